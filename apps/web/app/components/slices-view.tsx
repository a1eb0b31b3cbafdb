"use client";
import { Bar, CartesianGrid, Cell, ComposedChart, ErrorBar, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { useEffect, useState } from "react";
import { GRID_AXES, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridMetric, Slice } from "@gradtrace/db";
import { seriesStyle, valueAxis } from "./axes.ts";
import { MetricSelect } from "./metric-select.tsx";
import { Figure, yAxisProps } from "./charts.tsx";
import { api, fmt } from "./format.ts";
import { HEATMAP_METRICS, shownValue } from "./scales.ts";
import { choice, useUrlSync, type View } from "./url-state.ts";

const BY = ["none", ...GRID_AXES] as const;

/** One box of a slice chart: a level (and group), its quartiles as the box, its median as the dot, min and max as the whiskers. */
type Box = { x: string; group: number; n: number; box: [number, number]; median: number; whisker: [number, number]; min: number; max: number };

/** A slice's boxes, level by level and within a level group by group, in the unit the heatmap shows the metric in. */
function boxesOf(slice: Wired<Slice>, metric: GridMetric): Box[] {
  const shown = (v: unknown) => shownValue(metric, Number(v));
  return slice.levels.flatMap((level, l) =>
    slice.groups.flatMap((group, g) => {
      const s = slice.spreads[l]![g];
      if (!s) return [];
      const [min, q1, median, q3, max] = [s.min, s.q1, s.median, s.q3, s.max].map(shown) as [number, number, number, number, number];
      const x = slice.groups.length > 1 ? `${level} · ${group}` : level;
      return [{ x, group: g, n: Number(s.n), box: [q1, q3], median, whisker: [median - min, max - median], min, max }];
    }),
  );
}

/**
 * Slices: the chosen final metric against each setting the sweep varies, a box per level (the
 * quartiles, the median as a dot, min to max as whiskers) over the completed runs, split by a
 * second setting when one is chosen; refetched when `version` changes (runs finished).
 */
export function SlicesView({ sweepId, version, view }: { sweepId: string; version: number; view: View }) {
  const [metric, setMetric] = useState<GridMetric>(() => choice(view, "spread", HEATMAP_METRICS, "valLoss"));
  const [by, setBy] = useState<(typeof BY)[number]>(() => choice(view, "spreadBy", BY, "none"));
  useUrlSync({ spread: metric === "valLoss" ? null : metric, spreadBy: by === "none" ? null : by });
  const [slices, setSlices] = useState<Array<Wired<Slice>> | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ slices: Array<Wired<Slice>> }>(`/api/sweeps/${sweepId}/slices?metric=${metric}${by === "none" ? "" : `&by=${by}`}`)
      .then((r) => setSlices(r.slices))
      .catch((e: Error) => setError(e.message));
  }, [sweepId, metric, by, version]);
  const groups = slices?.[0]?.groups ?? [];
  return (
    <>
      <h2>Slices</h2>
      <label>
        Spread of <MetricSelect label="slices metric" value={metric} onChange={setMetric} />
      </label>{" "}
      <label>
        split by{" "}
        <select aria-label="slices split" value={by} onChange={(e) => setBy(e.target.value as GridAxis | "none")}>
          {BY.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>{" "}
      <span className="muted">
        a box per level over the completed runs: the middle half, the median (dot) and min to max (whiskers)
        {groups.length > 1 &&
          groups.map((g, i) => (
            <span key={g} data-testid="slices-group">
              {" "}
              <span className="status-dot" style={{ background: seriesStyle(i).stroke }} /> {g}
            </span>
          ))}
      </span>
      {error && <p className="error">{error}</p>}
      {slices && slices.length === 0 && <p className="muted">not yet: no completed run with a value, or the sweep varies nothing</p>}
      <div className="row" data-testid="slices">
        {(slices ?? []).map((slice) => {
          const boxes = boxesOf(slice, metric);
          const axis = valueAxis(boxes.flatMap((b) => [b.min, b.max]));
          return (
            <Figure
              key={String(slice.axis)}
              id={`slice-${String(slice.axis)}`}
              title={`by ${String(slice.axis)}`}
              rows={boxes.map(({ x, n, min, box, median, max }) => ({ level: x, n, min, q1: box[0], median, q3: box[1], max }))}
            >
              <ComposedChart width={Math.max(300, 60 + 48 * boxes.length)} height={260} data={boxes} margin={{ top: 10, right: 10, bottom: 30, left: 10 }}>
                <CartesianGrid stroke="#eee" />
                <XAxis
                  dataKey="x"
                  type="category"
                  interval={0}
                  angle={boxes.length > 6 ? -30 : 0}
                  textAnchor={boxes.length > 6 ? "end" : "middle"}
                  fontSize={11}
                />
                <YAxis {...yAxisProps(axis, false)} />
                <Tooltip formatter={(v) => (Array.isArray(v) ? v.map((x) => fmt(x as number)).join(" – ") : fmt(v as number))} />
                <Bar dataKey="box" name="middle half" isAnimationActive={false} barSize={18}>
                  {boxes.map((b) => (
                    <Cell key={b.x} fill={seriesStyle(b.group).stroke} fillOpacity={0.35} stroke={seriesStyle(b.group).stroke} />
                  ))}
                </Bar>
                <Scatter dataKey="median" name="median" fill="#222" isAnimationActive={false}>
                  <ErrorBar dataKey="whisker" direction="y" width={6} stroke="#555" />
                </Scatter>
              </ComposedChart>
            </Figure>
          );
        })}
      </div>
    </>
  );
}
