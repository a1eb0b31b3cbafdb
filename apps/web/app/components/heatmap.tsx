"use client";
import { fromWire, GRID_AXES, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridCell, GridMetric } from "@gradtrace/db";
import { useState } from "react";
import { CartesianGrid, ErrorBar, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { MetricSelect } from "./metric-select.tsx";
import { Figure, legendProps, yAxisProps } from "./charts.tsx";
import { SERIES_COLOURS, valueAxis } from "./axes.ts";
import { fmt } from "./format.ts";
import { choice, useUrlSync, type View } from "./url-state.ts";
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
export function Heatmaps({
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
  // The axis holds every error bar's ends, not only the means.
  const whiskers = rows.flatMap((r) =>
    drawn.flatMap((s) => {
      const k = series.indexOf(s);
      const [m, sd] = [r[`m${k}`], r[`s${k}`] ?? 0];
      return m === null || m === undefined ? [] : [m - sd, m + sd];
    }),
  );
  return (
    <Figure
      id="depth-curve"
      rows={depths.flatMap((depth, d) =>
        drawn.map((s) => {
          const k = series.indexOf(s);
          return { depth, activation: s.a, initializer: s.i, mean: rows[d]![`m${k}`], std: rows[d]![`s${k}`] };
        }),
      )}
      title={`Depth curve: ${GRID_METRIC_TITLES[metric]} by depth, per activation · initializer (mean ± std over seeds; a gap where no run completed)`}
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
        <YAxis {...yAxisProps(valueAxis(whiskers), false)} />
        <Tooltip formatter={(v) => fmt(v as number)} />
        <Legend
          {...legendProps(
            340,
            series.map((_, k) => `m${k}`),
          )}
        />
        {drawn.map((s) => {
          const k = series.indexOf(s);
          return (
            <Line
              key={s.key}
              name={s.key}
              dataKey={`m${k}`}
              stroke={SERIES_COLOURS[activations.indexOf(s.a) % SERIES_COLOURS.length]}
              strokeDasharray={DASHES[initializers.indexOf(s.i) % DASHES.length]}
              isAnimationActive={false}
            >
              <ErrorBar dataKey={`s${k}`} width={3} strokeWidth={1} stroke={SERIES_COLOURS[activations.indexOf(s.a) % SERIES_COLOURS.length]} />
            </Line>
          );
        })}
      </LineChart>
    </Figure>
  );
}

/** An initializer's line style in the depth curve (its activation's colour sets the hue). */
const DASHES = ["", "6 3", "2 2", "10 4 2 4", "1 4", "12 3"];
