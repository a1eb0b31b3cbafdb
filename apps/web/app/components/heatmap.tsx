"use client";
import { fromWire, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridCell, GridMetric } from "@gradtrace/db";
import { useState } from "react";
import { CartesianGrid, ErrorBar, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { Figure, PALETTE } from "./charts.tsx";
import { fmt } from "./format.ts";

/** A cell of the sweep grid as the page receives it. */
export type Cell = Wired<GridCell>;

/** Metrics the heatmap can colour by (the grid's final metrics); `better` says which end is good. */
export const GRID_METRIC_TITLES = {
  valLoss: { title: "final val. loss", better: "low" },
  valAccuracy: { title: "final val. accuracy", better: "high" },
  trainLoss: { title: "final train loss", better: "low" },
  log10GradientRatio: { title: "log10 first/last-layer gradient ratio", better: "zero" },
  deadFraction: { title: "dead units %", better: "low" },
  saturatedFraction: { title: "saturated units %", better: "low" },
} as const satisfies Record<GridMetric, { title: string; better: "low" | "high" | "zero" }>;
type Metric = keyof typeof GRID_METRIC_TITLES;

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
  if (GRID_METRIC_TITLES[metric].better === "zero") good = 1 - Math.min(1, Math.abs(value) / Math.max(1e-9, Math.max(Math.abs(lo), Math.abs(hi))));
  else {
    const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
    good = GRID_METRIC_TITLES[metric].better === "high" ? t : 1 - t;
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
        {Object.entries(GRID_METRIC_TITLES).map(([k, m]) => (
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
      {depths.length > 1 && <DepthCurve cells={shown} metric={metric} activations={activations} initializers={initializers} scale={scale} />}
    </>
  );
}

/**
 * The depth curve: the chosen metric against depth for each activation × initializer (mean, and
 * ± std over seeds as error bars) in the slice shown — which combinations keep training as depth
 * grows, the picture the subject is about.
 */
function DepthCurve({
  cells,
  metric,
  activations,
  initializers,
  scale,
}: {
  cells: readonly Cell[];
  metric: Metric;
  activations: string[];
  initializers: string[];
  scale: (v: number | null) => number | null;
}) {
  const series = activations.flatMap((a) => initializers.map((i) => ({ key: `${a} · ${i}`, a, i })));
  const depths = [...new Set(cells.map((c) => Number(c.depth)))].sort((x, y) => x - y);
  const rows = depths.map((depth) => {
    const row: Record<string, number | null> = { depth };
    series.forEach((s, k) => {
      const cell = cells.find((c) => Number(c.depth) === depth && c.activation === s.a && c.initializer === s.i);
      const mean = cell ? scale(fromWire(cell[metric].mean)) : null;
      row[`m${k}`] = mean !== null && Number.isFinite(mean) ? mean : null;
      row[`s${k}`] = cell ? (scale(fromWire(cell[metric].std)) ?? 0) : 0;
    });
    return row;
  });
  const drawn = series.filter((_, k) => rows.some((r) => r[`m${k}`] !== null));
  return (
    <Figure
      id="depth-curve"
      rows={depths.flatMap((depth, d) =>
        drawn.map((s) => {
          const k = series.indexOf(s);
          return { depth, activation: s.a, initializer: s.i, mean: rows[d]![`m${k}`], std: rows[d]![`s${k}`] };
        }),
      )}
      title={`Depth curve: ${GRID_METRIC_TITLES[metric].title} by depth, per activation · initializer (mean ± std over seeds; a gap where no run completed)`}
    >
      <LineChart width={900} height={340} data={rows} margin={{ top: 5, right: 20, bottom: 20, left: 10 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis
          dataKey="depth"
          type="number"
          domain={["dataMin", "dataMax"]}
          ticks={depths}
          label={{ value: "depth (hidden layers)", position: "insideBottom", offset: -10 }}
        />
        <YAxis width={70} domain={["auto", "auto"]} tickFormatter={(v: number) => fmt(v)} />
        <Tooltip formatter={(v) => fmt(v as number)} />
        <Legend layout="vertical" align="right" verticalAlign="top" wrapperStyle={{ fontSize: "0.75rem", right: -10 }} />
        {drawn.map((s) => {
          const k = series.indexOf(s);
          return (
            <Line
              key={s.key}
              name={s.key}
              dataKey={`m${k}`}
              stroke={PALETTE[activations.indexOf(s.a) % PALETTE.length]}
              strokeDasharray={DASHES[initializers.indexOf(s.i) % DASHES.length]}
              isAnimationActive={false}
            >
              <ErrorBar dataKey={`s${k}`} width={3} strokeWidth={1} stroke={PALETTE[activations.indexOf(s.a) % PALETTE.length]} />
            </Line>
          );
        })}
      </LineChart>
    </Figure>
  );
}

/** An initializer's line style in the depth curve (its activation's colour sets the hue). */
const DASHES = ["", "6 3", "2 2", "10 4 2 4", "1 4", "12 3"];
