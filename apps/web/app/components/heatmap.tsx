"use client";
import { fromWire, GRID_AXES, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridCell, GridMetric } from "@gradtrace/db";
import { memo, useState } from "react";
import { MetricSelect } from "./metric-select.tsx";
import { Figure } from "./charts.tsx";
import { SERIES_COLOURS, valueAxis } from "./axes.ts";
import { fmt } from "./format.ts";
import { useUrlSync } from "./url-state.ts";
import { choice, type View } from "./view.ts";
import { HEATMAP_METRICS, GRID_METRIC_TITLES, inkOn, legendGradient, metricScale, scaleColour, scalePosition, shownValue } from "./scales.ts";

/** A cell of the sweep grid as the page receives it. */
export type Cell = Wired<GridCell>;

type Metric = GridMetric;

/** The axes a heatmap lays out: rows, columns, and one heatmap per depth. */
type HeatmapAxis = "activation" | "initializer" | "depth";
/** Axes besides activation × initializer × depth: a sweep that varies one shows a heatmap per value, chosen here. */
const SLICE_AXES = { width: "width", optimizer: "optimizer", learningRate: "lr", dataset: "dataset" } as const satisfies Record<
  Exclude<GridAxis, HeatmapAxis>,
  string
>;
type SliceAxis = keyof typeof SLICE_AXES;
const byValue = (a: string, b: string) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b));

/** A cell's place on every grid axis: what filters the run table to its runs. */
export type CellAxes = Pick<Cell, GridAxis>;

/** Cells without a value to colour by, each drawn its own way (the legend shows them). */
const STATES = {
  diverged: { background: "#1b1f24", ink: "#fff", text: "diverged", title: "every completed run diverged (its losses became NaN)" },
  novalue: {
    background: "repeating-linear-gradient(45deg, #eaeef2, #eaeef2 4px, #d0d7de 4px, #d0d7de 8px)",
    ink: "#000",
    text: "no value",
    title: "runs completed but none has a finite value of this metric (with no gradient at all, a gradient ratio is 0/0)",
  },
  open: { background: "#fff", ink: "#5b6570", text: "not finished", title: "no run of this cell has completed yet" },
  none: { background: "#eaeef2", ink: "#5b6570", text: "no completed run", title: "the cell's runs failed, timed out, were pruned or cancelled" },
} as const;
type CellState = keyof typeof STATES;

/** What a cell shows and how: its value (mean ± std) and colour, or the state that replaces them. */
function cellLook(cell: Cell, metric: Metric): { text: string; background: string; ink: string; title?: string; state?: CellState } {
  const { mean, std, n } = cell[metric];
  const m = fromWire(mean);
  if (Number(n) > 0 && m !== null) {
    const shown = shownValue(metric, m);
    const background = scaleColour(metricScale(metric, cell.classes === null ? null : Number(cell.classes)), shown) ?? "#fff";
    const spread = fromWire(std);
    return { text: `${fmt(shown)}${spread === null ? "" : ` ± ${fmt(shownValue(metric, spread))}`}`, background, ink: inkOn(background) };
  }
  const state: CellState =
    Number(cell.runs) > 0 ? (Number(cell.diverged) === Number(cell.runs) ? "diverged" : "novalue") : Number(cell.open) > 0 ? "open" : "none";
  return { ...STATES[state], state };
}

/** A cell's counts: how many runs its value is over, of how many, and where the others went. */
function cellCounts(cell: Cell, metric: Metric): string {
  const parts = [`${Number(cell[metric].n)} of ${Number(cell.total)}`];
  for (const [key, word] of [
    ["diverged", "diverged"],
    ["failed", "failed"],
    ["timedOut", "timed out"],
    ["pruned", "pruned"],
    ["cancelled", "cancelled"],
    ["open", "to come"],
  ] as const) {
    if (Number(cell[key]) > 0) parts.push(`${Number(cell[key])} ${word}`);
  }
  return parts.join(" · ");
}

/** The colour legend of a metric's fixed scale, and the states that have no value. */
function ScaleLegend({ metric, classes }: { metric: Metric; classes: number | null }) {
  const scale = metricScale(metric, classes);
  return (
    <div className="legend" data-testid="heatmap-legend">
      <div className="muted">{scale.caption}</div>
      <div className="legend-bar" style={{ background: legendGradient(scale) }} />
      <div className="legend-ticks">
        {scale.ticks.map((t) => (
          <span key={t.value} style={{ left: `${100 * scalePosition(scale, t.value)}%` }}>
            {t.label}
          </span>
        ))}
      </div>
      <div className="legend-states">
        {(Object.keys(STATES) as CellState[]).map((s) => (
          <span key={s} title={STATES[s].title}>
            <span className="swatch" style={{ background: STATES[s].background }} /> {STATES[s].text}
          </span>
        ))}
      </div>
    </div>
  );
}

/**
 * The sweep's heatmaps, one per depth, of the slice chosen on every other axis, coloured by the
 * chosen metric on its fixed scale (see scales.ts). Each cell says how many runs its mean is
 * over, of how many, and where the others went; clicking it picks its runs (`onPick`).
 */
export const Heatmaps = memo(function Heatmaps({
  cells,
  onPick,
  picked,
  view,
}: {
  cells: readonly Cell[];
  onPick: (axes: CellAxes) => void;
  picked: CellAxes | null;
  /** The page's URL parameters: `metric` and `slice.<axis>` say what is shown. */
  view: View;
}) {
  const [metric, setMetric] = useState<Metric>(() => choice(view, "metric", HEATMAP_METRICS, "valLoss"));
  const [slice, setSlice] = useState<Partial<Record<SliceAxis, string>>>(() =>
    Object.fromEntries((Object.keys(SLICE_AXES) as SliceAxis[]).flatMap((a) => (view[`slice.${a}`] === undefined ? [] : [[a, view[`slice.${a}`]!]]))),
  );
  useUrlSync({
    metric: metric === "valLoss" ? null : metric,
    ...Object.fromEntries((Object.keys(SLICE_AXES) as SliceAxis[]).map((a) => [`slice.${a}`, slice[a] ?? null])),
  });
  const depths = [...new Set(cells.map((c) => Number(c.depth)))].sort((a, b) => a - b);
  const activations = [...new Set(cells.map((c) => c.activation))];
  const initializers = [...new Set(cells.map((c) => c.initializer))];
  // Cells that differ in another axis than the heatmap's are never pooled: one slice is shown.
  const slices = (Object.keys(SLICE_AXES) as SliceAxis[])
    .map((axis) => ({ axis, options: [...new Set(cells.map((c) => String(c[axis])))].sort(byValue) }))
    .filter((s) => s.options.length > 1)
    .map((s) => ({ ...s, chosen: slice[s.axis] !== undefined && s.options.includes(slice[s.axis]!) ? slice[s.axis]! : s.options[0]! }));
  const shown = cells.filter((c) => slices.every((s) => String(c[s.axis]) === s.chosen));
  const classes = shown.reduce<number | null>((k, c) => (c.classes === null ? k : Math.max(k ?? 0, Number(c.classes))), null);
  const scale = (v: number | null) => (v === null ? null : shownValue(metric, v));
  const isPicked = (c: Cell) => picked !== null && GRID_AXES.every((a) => String(picked[a]) === String(c[a]));

  return (
    <>
      <h2>Heatmap</h2>
      <label htmlFor="metric">Colour by</label>
      <MetricSelect id="metric" value={metric} onChange={setMetric} />{" "}
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
      <span className="muted">
        mean ± std over the seeds with a value; &quot;n of m&quot;: runs in the mean, of the cell&apos;s runs. Click a cell for its runs.
      </span>
      <ScaleLegend metric={metric} classes={classes} />
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
                      const cell = shown.find((c) => Number(c.depth) === depth && c.activation === a && c.initializer === i);
                      if (!cell) {
                        return (
                          <td key={i} className="cell muted" title="the sweep has no run of this combination">
                            –
                          </td>
                        );
                      }
                      const look = cellLook(cell, metric);
                      const kinds = Object.entries(cell.diagnoses).sort((x, y) => Number(y[1]) - Number(x[1]));
                      return (
                        <td
                          key={i}
                          className={`cell${isPicked(cell) ? " picked" : ""}`}
                          data-state={look.state ?? "value"}
                          style={{ background: look.background, color: look.ink }}
                          title={[look.title, ...kinds.map(([k, n]) => `${k}: ${Number(n)}`)].filter(Boolean).join("\n")}
                          onClick={() => onPick(Object.fromEntries(GRID_AXES.map((ax) => [ax, cell[ax]])) as CellAxes)}
                        >
                          <div className="cell-value">{look.text}</div>
                          <div className="cell-counts">{cellCounts(cell, metric)}</div>
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
});

/** The depth curve's frame: plot height, margins, the legend's column on the right, one legend row. */
const CURVE = { width: 900, plot: 290, top: 12, bottom: 40, legend: 220, row: 14 } as const;
/** An initializer's line style in the depth curve (its activation's colour sets the hue). */
const DASHES = ["", "6 3", "2 2", "10 4 2 4", "1 4", "12 3"];

/**
 * The depth curve: the chosen metric against depth for each activation × initializer (mean, and
 * ± std over seeds as error bars) in the slice shown — which combinations keep training as depth
 * grows, the picture the subject is about. Drawn as plain SVG: its two dozen series took recharts
 * ~360 ms of the sweep page's hydration on this machine's 2 cores (a chromium trace, 2026-12-03),
 * a third of the page's time to its first figures.
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
  // Each series' points by depth: the mean and the std (0 when there is none), null where no run completed.
  const points = series.map((s) =>
    depths.map((depth) => {
      const cell = cells.find((c) => Number(c.depth) === depth && c.activation === s.a && c.initializer === s.i);
      const mean = cell ? scale(fromWire(cell[metric].mean)) : null;
      return mean !== null && Number.isFinite(mean) ? { depth, mean, std: (cell && scale(fromWire(cell[metric].std))) ?? 0 } : null;
    }),
  );
  const drawn = series.map((s, k) => ({ ...s, points: points[k]! })).filter((s) => s.points.some((p) => p !== null));
  // The axis holds every error bar's ends, not only the means.
  const axis = valueAxis(drawn.flatMap((s) => s.points.flatMap((p) => (p ? [p.mean - p.std, p.mean + p.std] : []))));
  const left = axis?.width ?? 50;
  const height = Math.max(CURVE.top + CURVE.plot + CURVE.bottom, CURVE.top + CURVE.row * drawn.length + 8);
  const right = CURVE.width - CURVE.legend;
  // Points stay clear of the frame's ends.
  const x = (depth: number) =>
    depths.length < 2 ? (left + right) / 2 : left + 16 + ((depth - depths[0]!) / (depths.at(-1)! - depths[0]!)) * (right - left - 32);
  const [lo, hi] = axis?.domain ?? [0, 1];
  const y = (v: number) => CURVE.top + (hi === lo ? 0.5 : 1 - (v - lo) / (hi - lo)) * CURVE.plot;
  const bottom = CURVE.top + CURVE.plot;
  return (
    <Figure
      id="depth-curve"
      rows={depths.flatMap((depth, d) =>
        drawn.map((s) => ({ depth, activation: s.a, initializer: s.i, mean: s.points[d]?.mean ?? null, std: s.points[d]?.std ?? null })),
      )}
      title={`Depth curve: ${GRID_METRIC_TITLES[metric]} by depth, per activation · initializer (mean ± std over seeds; a gap where no run completed)`}
    >
      <svg width={CURVE.width} height={height} data-testid="depth-curve" fontSize={11} fontFamily="sans-serif">
        {(axis?.ticks ?? []).map((t) => (
          <g key={t}>
            <line x1={left} x2={right} y1={y(t)} y2={y(t)} stroke="#eee" />
            <text x={left - 6} y={y(t) + 4} textAnchor="end" fill="#5b6570">
              {axis!.format(t)}
            </text>
          </g>
        ))}
        {depths.map((d) => (
          <g key={d}>
            <line x1={x(d)} x2={x(d)} y1={CURVE.top} y2={bottom} stroke="#eee" />
            <text x={x(d)} y={bottom + 14} textAnchor="middle" fill="#5b6570">
              {d}
            </text>
          </g>
        ))}
        <rect x={left} y={CURVE.top} width={right - left} height={CURVE.plot} fill="none" stroke="#d0d7de" />
        <text x={(left + right) / 2} y={bottom + 32} textAnchor="middle" fill="#24292f">
          depth (hidden layers)
        </text>
        {drawn.map((s, k) => {
          const colour = SERIES_COLOURS[activations.indexOf(s.a) % SERIES_COLOURS.length]!;
          // A gap where a depth has no value: the line restarts after it.
          const path = s.points.map((p, d) => (p ? `${d > 0 && s.points[d - 1] ? "L" : "M"}${x(p.depth).toFixed(1)},${y(p.mean).toFixed(1)}` : "")).join("");
          return (
            <g key={s.key} data-series={s.key}>
              <path d={path} fill="none" stroke={colour} strokeWidth={1.5} strokeDasharray={DASHES[initializers.indexOf(s.i) % DASHES.length]} />
              {s.points.map(
                (p) =>
                  p && (
                    <g key={p.depth}>
                      {p.std > 0 && (
                        <path
                          d={`M${x(p.depth) - 3},${y(p.mean - p.std)}h6M${x(p.depth)},${y(p.mean - p.std)}V${y(p.mean + p.std)}M${x(p.depth) - 3},${y(p.mean + p.std)}h6`}
                          stroke={colour}
                        />
                      )}
                      <circle cx={x(p.depth)} cy={y(p.mean)} r={3} fill="#fff" stroke={colour}>
                        <title>{`${s.key}, depth ${p.depth}: ${fmt(p.mean)}${p.std > 0 ? ` ± ${fmt(p.std)}` : ""}`}</title>
                      </circle>
                    </g>
                  ),
              )}
              <g transform={`translate(${right + 12},${CURVE.top + k * CURVE.row})`}>
                <line x1={0} x2={24} y1={5} y2={5} stroke={colour} strokeWidth={1.5} strokeDasharray={DASHES[initializers.indexOf(s.i) % DASHES.length]} />
                <text x={30} y={9} fill="#24292f" data-testid="depth-curve-key">
                  {s.key}
                </text>
              </g>
            </g>
          );
        })}
      </svg>
    </Figure>
  );
}
