"use client";
import { useEffect, useMemo, useState } from "react";
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { Figure, legendProps, yAxisProps } from "./charts.tsx";
import { bucketPoints, seriesStyle, valueAxis } from "./axes.ts";
import { api } from "./format.ts";
import { useUrlSync } from "./url-state.ts";
import { choice, type View } from "./view.ts";
import { EPOCH_SCALARS, fromWire, LAYER_METRICS, RUN_AXES, type EpochScalar, type LayerMetric, type RunAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { CompareData, LayerSeriesData } from "../../lib/pages.ts";

type CompareRun = Wired<CompareData>["runs"][number];
const AXES = ["none", ...RUN_AXES] as const;
type Axis = "none" | RunAxis;

/** The layers a per-layer comparison can follow in every run: by position, or by number (hidden layer n). */
const LAYER_PICKS = ["first", "middle", "last", "output"] as const;

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
  const [logScale, setLogScale] = useState(log ?? false);
  const rows = x.map((xv) => {
    const row: Record<string, number | number[] | null> = { x: xv };
    groups.forEach((g, i) => {
      const s = stats((g.values.get(xv) ?? []).map((v) => (logScale && v !== null && v <= 0 ? null : v)));
      row[`m${i}`] = s ? s.mean : null;
      row[`b${i}`] = s ? [s.lo, s.hi] : null;
    });
    return row;
  });
  const axis = valueAxis(
    rows.flatMap((r) => groups.flatMap((_, i) => (r[`b${i}`] as number[] | null) ?? [])),
    logScale,
  );
  const toggle = (
    <button type="button" className="link" data-testid="log-toggle" aria-pressed={logScale} onClick={() => setLogScale(!logScale)}>
      y axis: {logScale ? "log" : "linear"}
    </button>
  );
  return (
    <Figure id={title} title={title} rows={rows} controls={toggle}>
      <ComposedChart width={760} height={320} data={rows} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis
          dataKey="x"
          type="number"
          domain={["dataMin", "dataMax"]}
          allowDecimals={false}
          label={{ value: xLabel, position: "insideBottom", offset: -10 }}
        />
        <YAxis {...yAxisProps(axis, logScale)} />
        <Tooltip />
        <Legend
          {...legendProps(
            320,
            groups.map((_, i) => `m${i}`),
          )}
          width={220}
        />
        {groups.map((g, i) => (
          <Area
            key={`b${i}`}
            dataKey={`b${i}`}
            stroke="none"
            fill={seriesStyle(i).stroke}
            fillOpacity={0.15}
            legendType="none"
            isAnimationActive={false}
            connectNulls
          />
        ))}
        {groups.map((g, i) => (
          <Line key={`m${i}`} dataKey={`m${i}`} name={g.name} {...seriesStyle(i)} dot={false} isAnimationActive={false} connectNulls />
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
  const [layerMetric, setLayerMetric] = useState<LayerMetric>(() => choice(view, "layerMetric", LAYER_METRICS, "gradNorm"));
  const [layer, setLayer] = useState(() => view.layer ?? "first");
  const [perLayer, setPerLayer] = useState<Wired<LayerSeriesData>["runs"] | null>(null);
  useUrlSync({
    group: group === "none" ? null : group,
    curve: scalar === "valLoss" ? null : scalar,
    profile: metric === "activationStd" ? null : metric,
    at: which === "last" ? null : which,
    layerMetric: layerMetric === "gradNorm" ? null : layerMetric,
    layer: layer === "first" ? null : layer,
  });
  useEffect(() => {
    if (ids.length === 0) return;
    api<Wired<LayerSeriesData>>(`/api/compare/layers?runs=${ids.join(",")}&metric=${layerMetric}&layer=${layer}`)
      .then((r) => setPerLayer(r.runs))
      .catch((e: Error) => setError(e.message));
  }, [ids, layerMetric, layer]);
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
  const points = new Map(runs.map((r) => [r.id, bucketPoints(r.series[scalar], fromWire)]));
  const epochs = [...new Set([...points.values()].flatMap((p) => p.map(([epoch]) => epoch)))].sort((a, b) => a - b);
  const curveGroups = groups.map((g) => {
    const values = new Map<number, Array<number | null>>();
    for (const r of g.members) for (const [epoch, v] of points.get(r.id)!) values.set(epoch, [...(values.get(epoch) ?? []), v]);
    return { name: g.name, values };
  });
  const layerPoints = new Map((perLayer ?? []).map((r) => [r.id, bucketPoints(r.buckets, fromWire)]));
  const layerEpochs = [...new Set([...layerPoints.values()].flatMap((p) => p.map(([epoch]) => epoch)))].sort((a, b) => a - b);
  const layerGroups = groups.map((g) => {
    const values = new Map<number, Array<number | null>>();
    for (const r of g.members) for (const [epoch, v] of layerPoints.get(r.id) ?? []) values.set(epoch, [...(values.get(epoch) ?? []), v]);
    return { name: g.name, values };
  });
  // Which layer each run's line follows, said once when all agree ("layer 2"), else per run in the list below.
  const followed = [...new Set((perLayer ?? []).map((r) => r.layer ?? "none"))];
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
          <Bands key={metric} title={`${metric} by layer`} xLabel="layer (last = output)" x={layersX} groups={profileGroups} log={metric.includes("Norm")} />
        </div>
      </div>
      <div>
        <label htmlFor="layer-metric">Per layer over the epochs</label>
        <select id="layer-metric" value={layerMetric} onChange={(e) => setLayerMetric(e.target.value as LayerMetric)}>
          {LAYER_METRICS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>{" "}
        <select aria-label="layer" data-testid="layer-pick" value={layer} onChange={(e) => setLayer(e.target.value)}>
          {LAYER_PICKS.map((p) => (
            <option key={p} value={p}>
              {p === "output" ? "output layer" : `${p} hidden layer`}
            </option>
          ))}
          {Array.from({ length: Math.max(0, depth - 1) }, (_, i) => (
            <option key={i} value={String(i + 1)}>
              layer {i + 1}
            </option>
          ))}
        </select>
        <Bands
          key={layerMetric}
          title={`${layerMetric} per layer over epochs`}
          xLabel="epoch"
          x={layerEpochs}
          groups={layerGroups}
          log={layerMetric.includes("Norm")}
        />
        <p className="muted" data-testid="layers-followed">
          lines follow {followed.length === 1 ? `every run's ${followed[0]}` : `the runs' ${followed.join(", ")} (each run's own net)`}
        </p>
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
