"use client";
import { useEffect, useMemo, useState } from "react";
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { Figure, PALETTE } from "./charts.tsx";
import { api } from "./format.ts";
import { choice, useUrlSync, type View } from "./url-state.ts";
import { EPOCH_SCALARS, fromWire, LAYER_METRICS, RUN_AXES, type EpochScalar, type LayerMetric, type RunAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { CompareData } from "../../lib/pages.ts";

type CompareRun = Wired<CompareData>["runs"][number];
const AXES = ["none", ...RUN_AXES] as const;
type Axis = "none" | RunAxis;

const label = (r: CompareRun) => `${r.activation} · ${r.initializer} · d${r.depth}×${r.width} · lr ${r.learningRate} · s${r.seed}`;

/** Mean and sample std of the finite values (std 0 for one value). */
function stats(values: Array<number | null>): { mean: number; lo: number; hi: number } | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, lo: mean - std, hi: mean + std };
}

/** A chart of groups: each group's mean as a line, ±std as a band when it has several runs. */
function Bands({
  title,
  xLabel,
  x,
  groups,
  log,
}: {
  title: string;
  xLabel: string;
  x: number[];
  groups: Array<{ name: string; values: Map<number, Array<number | null>> }>;
  log?: boolean;
}) {
  const rows = x.map((xv) => {
    const row: Record<string, number | number[] | null> = { x: xv };
    groups.forEach((g, i) => {
      const s = stats(g.values.get(xv) ?? []);
      row[`m${i}`] = s ? s.mean : null;
      row[`b${i}`] = s ? [s.lo, s.hi] : null;
    });
    return row;
  });
  return (
    <Figure id={title} title={title} rows={rows}>
      <ComposedChart width={620} height={320} data={rows} margin={{ top: 5, right: 20, bottom: 20, left: 10 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis
          dataKey="x"
          type="number"
          domain={["dataMin", "dataMax"]}
          allowDecimals={false}
          label={{ value: xLabel, position: "insideBottom", offset: -10 }}
        />
        <YAxis
          scale={log ? "log" : "auto"}
          domain={["auto", "auto"]}
          allowDataOverflow={log}
          width={70}
          tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
        />
        <Tooltip />
        <Legend verticalAlign="top" height={40} />
        {groups.map((g, i) => (
          <Area
            key={`b${i}`}
            dataKey={`b${i}`}
            stroke="none"
            fill={PALETTE[i % PALETTE.length]}
            fillOpacity={0.15}
            legendType="none"
            isAnimationActive={false}
            connectNulls
          />
        ))}
        {groups.map((g, i) => (
          <Line key={`m${i}`} dataKey={`m${i}`} name={g.name} stroke={PALETTE[i % PALETTE.length]} dot={false} isAnimationActive={false} connectNulls />
        ))}
      </ComposedChart>
    </Figure>
  );
}

/** Several runs side by side: overlaid curves and depth profiles, optionally grouped by an axis (mean ± std over the group). */
export function CompareView({ ids, view }: { ids: string[]; view: View }) {
  const [runs, setRuns] = useState<CompareRun[] | null>(null);
  const [error, setError] = useState("");
  const [group, setGroup] = useState<Axis>(() => choice(view, "group", AXES, "none"));
  const [scalar, setScalar] = useState<EpochScalar>(() => choice(view, "curve", EPOCH_SCALARS, "valLoss"));
  const [metric, setMetric] = useState<LayerMetric>(() => choice(view, "profile", LAYER_METRICS, "activationStd"));
  const [which, setWhich] = useState<"last" | "first">(() => choice(view, "at", ["last", "first"], "last"));
  useUrlSync({
    group: group === "none" ? null : group,
    curve: scalar === "valLoss" ? null : scalar,
    profile: metric === "activationStd" ? null : metric,
    at: which === "last" ? null : which,
  });
  useEffect(() => {
    if (ids.length === 0) return setError("Select runs in a sweep's run table, then Compare.");
    api<Wired<CompareData>>(`/api/compare?runs=${ids.join(",")}`)
      .then((r) => setRuns(r.runs))
      .catch((e: Error) => setError(e.message));
  }, [ids]);

  const groups = useMemo(() => {
    if (!runs) return [];
    const by = new Map<string, CompareRun[]>();
    for (const r of runs) {
      const key = group === "none" ? label(r) : `${group} = ${String(r[group])}`;
      by.set(key, [...(by.get(key) ?? []), r]);
    }
    return [...by.entries()].map(([name, members]) => ({ name: group === "none" ? name : `${name} (n=${members.length})`, members }));
  }, [runs, group]);

  if (error) return <p className="error">{error}</p>;
  if (!runs) return <p className="muted">loading…</p>;
  const epochs = [...new Set(runs.flatMap((r) => r.series[scalar].map((b) => Number(b.toEpoch))))].sort((a, b) => a - b);
  const curveGroups = groups.map((g) => {
    const values = new Map<number, Array<number | null>>();
    for (const r of g.members) for (const b of r.series[scalar]) values.set(Number(b.toEpoch), [...(values.get(Number(b.toEpoch)) ?? []), fromWire(b.last)]);
    return { name: g.name, values };
  });
  const depth = Math.max(...runs.map((r) => r[which]?.layers.length ?? 0));
  const layersX = Array.from({ length: depth }, (_, i) => i + 1);
  const profileGroups = groups.map((g) => {
    const values = new Map<number, Array<number | null>>();
    for (const r of g.members) (r[which]?.layers ?? []).forEach((l, i) => values.set(i + 1, [...(values.get(i + 1) ?? []), fromWire(l[metric])]));
    return { name: g.name, values };
  });

  return (
    <>
      <h1>Compare {runs.length} runs</h1>
      <label htmlFor="group">Group by</label>
      <select id="group" value={group} onChange={(e) => setGroup(e.target.value as Axis)}>
        {AXES.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <div className="row">
        <div>
          <label htmlFor="scalar">Curve</label>
          <select id="scalar" value={scalar} onChange={(e) => setScalar(e.target.value as EpochScalar)}>
            {EPOCH_SCALARS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <Bands title={`${scalar} over epochs`} xLabel="epoch" x={epochs} groups={curveGroups} />
        </div>
        <div>
          <label htmlFor="profile">Depth profile</label>
          <select id="profile" value={metric} onChange={(e) => setMetric(e.target.value as LayerMetric)}>
            {LAYER_METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>{" "}
          <select aria-label="epoch" value={which} onChange={(e) => setWhich(e.target.value as "last" | "first")}>
            <option value="last">last traced epoch</option>
            <option value="first">epoch 0</option>
          </select>
          <Bands title={`${metric} by layer`} xLabel="layer (last = output)" x={layersX} groups={profileGroups} log={metric.includes("Norm")} />
        </div>
      </div>
      <h2>Runs</h2>
      <ul>
        {runs.map((r) => (
          <li key={r.id}>
            <a href={`/runs/${r.id}`}>{label(r)}</a> <span className="muted">{r.status}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
