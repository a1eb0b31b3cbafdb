"use client";
import { fromWire, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridCell, GridMetric } from "@gradtrace/db";
import { useState } from "react";
import { fmt } from "./format.ts";

/** A cell of the sweep grid as the page receives it. */
export type Cell = Wired<GridCell>;

/** Metrics the heatmap can colour by; `better` says which end is good. */
const METRICS = {
  valLoss: { title: "final val. loss", better: "low" },
  valAccuracy: { title: "final val. accuracy", better: "high" },
  trainLoss: { title: "final train loss", better: "low" },
  log10GradientRatio: { title: "log10 first/last-layer gradient ratio", better: "zero" },
  deadFraction: { title: "dead units %", better: "low" },
  saturatedFraction: { title: "saturated units %", better: "low" },
} as const satisfies Record<GridMetric, { title: string; better: "low" | "high" | "zero" }>;
type Metric = keyof typeof METRICS;

/** The axes a heatmap lays out: rows, columns, and one heatmap per depth. */
type HeatmapAxis = "activation" | "initializer" | "depth";
/** Axes besides activation × initializer × depth: a sweep that varies one shows a heatmap per value, chosen here. */
const SLICE_AXES = { width: "width", optimizer: "optimizer", learningRate: "lr", dataset: "dataset" } as const satisfies Record<
  Exclude<GridAxis, HeatmapAxis>,
  string
>;
type SliceAxis = keyof typeof SLICE_AXES;
const byValue = (a: string, b: string) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b));

function colour(metric: Metric, value: number | null, lo: number, hi: number): string {
  if (value === null || !Number.isFinite(value)) return "#eee";
  let good: number;
  if (METRICS[metric].better === "zero") good = 1 - Math.min(1, Math.abs(value) / Math.max(1e-9, Math.max(Math.abs(lo), Math.abs(hi))));
  else {
    const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
    good = METRICS[metric].better === "high" ? t : 1 - t;
  }
  return `hsl(${Math.round(good * 120)}, 65%, ${78 - good * 10}%)`;
}

/** The sweep's heatmaps, one per depth, of the slice chosen on every other axis, coloured by the chosen metric. */
export function Heatmaps({ cells }: { cells: readonly Cell[] }) {
  const [metric, setMetric] = useState<Metric>("valLoss");
  const [slice, setSlice] = useState<Partial<Record<SliceAxis, string>>>({});
  const depths = [...new Set(cells.map((c) => Number(c.depth)))].sort((a, b) => a - b);
  const activations = [...new Set(cells.map((c) => c.activation))];
  const initializers = [...new Set(cells.map((c) => c.initializer))];
  // Cells that differ in another axis than the heatmap's are never pooled: one slice is shown.
  const slices = (Object.keys(SLICE_AXES) as SliceAxis[])
    .map((axis) => ({ axis, options: [...new Set(cells.map((c) => String(c[axis])))].sort(byValue) }))
    .filter((s) => s.options.length > 1)
    .map((s) => ({ ...s, chosen: slice[s.axis] !== undefined && s.options.includes(slice[s.axis]!) ? slice[s.axis]! : s.options[0]! }));
  const shown = cells.filter((c) => slices.every((s) => String(c[s.axis]) === s.chosen));
  const values = shown.map((c) => fromWire(c[metric].mean)).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const scale = (v: number | null) => (v === null ? null : metric === "deadFraction" || metric === "saturatedFraction" ? 100 * v : v);

  return (
    <>
      <h2>Heatmap</h2>
      <label htmlFor="metric">Colour by</label>
      <select id="metric" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
        {Object.entries(METRICS).map(([k, m]) => (
          <option key={k} value={k}>
            {m.title}
          </option>
        ))}
      </select>{" "}
      {slices.map((s) => (
        <label key={s.axis} style={{ marginLeft: 12 }}>
          {SLICE_AXES[s.axis]}{" "}
          <select data-testid={`slice-${s.axis}`} value={s.chosen} onChange={(e) => setSlice((old) => ({ ...old, [s.axis]: e.target.value }))}>
            {s.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
      ))}{" "}
      <span className="muted">mean ± std over seeds (n completed runs; pruned runs counted apart); green is better</span>
      <div className="row">
        {depths.map((depth) => (
          <div key={depth}>
            <h3 style={{ fontSize: "0.95rem" }}>depth {depth}</h3>
            <table className="heatmap" data-testid={`heatmap-${depth}`}>
              <thead>
                <tr>
                  <th>activation ∖ initializer</th>
                  {initializers.map((i) => (
                    <th key={i}>{i}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {activations.map((a) => (
                  <tr key={a}>
                    <th>{a}</th>
                    {initializers.map((i) => {
                      const cell = shown.find((c) => c.depth === depth && c.activation === a && c.initializer === i);
                      const mean = cell ? fromWire(cell[metric].mean) : null;
                      return (
                        <td
                          key={i}
                          className="cell"
                          style={{ background: colour(metric, mean, lo, hi) }}
                          title={cell ? Object.keys(cell.diagnoses).join(", ") : ""}
                        >
                          {cell ? `${fmt(scale(mean))} ± ${fmt(scale(fromWire(cell[metric].std)))} (${cell[metric].n})` : "–"}
                          {cell && Number(cell.pruned) > 0 && (
                            <span className="badge pruned" title="runs of this cell the sweep's stopping rule pruned: not in the mean">
                              {Number(cell.pruned)} pruned
                            </span>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </>
  );
}
