"use client";
import { memo, useEffect, useMemo, useRef, useState, type MouseEvent } from "react";
import { columnValues, RUN_AXES, type CodedColumn } from "@gradtrace/core/vocabulary";
import type { GridMetric } from "@gradtrace/db";
import { MetricSelect } from "./metric-select.tsx";
import { Figure } from "./charts.tsx";
import { api, fmt } from "./format.ts";
import { GRID_METRIC_TITLES, metricScale, scaleColour, shownValue } from "./scales.ts";
import { useUrlSync } from "./url-state.ts";
import { choice, type View } from "./view.ts";
import { columnsUrl } from "./figure-reads.ts";

/** The runs of a sweep as columns (GET /api/sweeps/:id/columns): status and settings coded, outcomes as values. */
type Columns = Record<string, CodedColumn<string | number | null> | Array<string | number | null>>;

/** What the brushes ask of the run table: bounds on numeric columns (`min.`/`max.`), values of text axes (`in.`). */
export type Bounds = Record<string, { min: number; max: number } | { among: string[] }>;

/** One vertical axis: a swept setting or an outcome, its values for every run (NaN: none), how they are placed. */
interface Axis {
  key: string;
  label: string;
  kind: "category" | "linear" | "log";
  values: Float64Array;
  categories: string[];
  lo: number;
  hi: number;
  /** The run table column a brush on this axis bounds, and how a value on the axis becomes one there (a category's column is its key). */
  column?: string;
  toColumn?: (v: number) => number;
}

/** The outcomes drawn after the settings: the heatmap's metrics, the gradient ratio on its log10 axis. */
const OUTCOMES: readonly GridMetric[] = ["valAccuracy", "valLoss", "log10GradientRatio", "deadFraction", "saturatedFraction"];

const number = (v: string | number | null | undefined) => (v === null || v === undefined ? NaN : Number(v));

/** The smallest and largest finite value, or NaN twice when there is none (one pass: 10,000 runs). */
function extent(values: Float64Array): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? [NaN, NaN] : [lo, hi];
}

/** The axes of the runs: each setting that varies (numeric ones on a log scale when they span a decade or more), then the outcomes. */
function axesOf(columns: Columns): Axis[] {
  const axes: Axis[] = [];
  for (const key of RUN_AXES) {
    if (key === "seed") continue;
    const raw = columnValues(columns[key] ?? []);
    const distinct = [...new Set(raw)].map(String);
    if (distinct.length < 2) continue;
    if (typeof raw[0] === "number") {
      const values = Float64Array.from(raw, number);
      const [lo, hi] = extent(values);
      axes.push({ key, label: key, kind: lo > 0 && hi / lo >= 10 ? "log" : "linear", values, categories: [], lo, hi, column: key, toColumn: (v) => v });
    } else {
      const categories = distinct.sort();
      const index = new Map(categories.map((c, i) => [c, i]));
      axes.push({
        key,
        label: key,
        kind: "category",
        values: Float64Array.from(raw, (v) => index.get(String(v)) ?? NaN),
        categories,
        lo: 0,
        hi: categories.length - 1,
      });
    }
  }
  for (const metric of OUTCOMES) {
    const ratio = metric === "log10GradientRatio";
    const raw = columnValues(columns[ratio ? "gradientRatio" : metric] ?? []);
    const values = Float64Array.from(raw, (v) => {
      const x = number(v);
      if (!ratio) return Number.isFinite(x) ? shownValue(metric, x) : NaN;
      // The ratio's log, clamped where the heatmap's scale ends: a vanished gradient (0) sits at the bottom.
      return x > 0 ? Math.max(-5, Math.min(5, Math.log10(x))) : x === 0 ? -5 : NaN;
    });
    const [lo, hi] = extent(values);
    if (Number.isNaN(lo)) continue;
    const fraction = metric === "deadFraction" || metric === "saturatedFraction";
    axes.push({
      key: metric,
      label: GRID_METRIC_TITLES[metric],
      kind: "linear",
      values,
      categories: [],
      lo,
      hi,
      column: ratio ? "gradientRatio" : metric,
      toColumn: ratio ? (v) => 10 ** v : fraction ? (v) => v / 100 : (v) => v,
    });
  }
  return axes;
}

const [WIDTH, HEIGHT, TOP, BOTTOM, SIDE] = [1100, 360, 34, 24, 60];

/** Where a value sits on an axis, from 0 (bottom) to 1 (top); NaN where it has none. */
function position(axis: Axis, v: number): number {
  if (!Number.isFinite(v)) return NaN;
  if (axis.hi === axis.lo) return 0.5;
  if (axis.kind === "log") return (Math.log(v) - Math.log(axis.lo)) / (Math.log(axis.hi) - Math.log(axis.lo));
  if (axis.kind === "category") return (v + 0.5) / (axis.hi + 1);
  return (v - axis.lo) / (axis.hi - axis.lo);
}

/** The value at a position of an axis (the inverse of `position`). */
function valueAt(axis: Axis, p: number): number {
  if (axis.kind === "log") return Math.exp(Math.log(axis.lo) + p * (Math.log(axis.hi) - Math.log(axis.lo)));
  if (axis.kind === "category") return p * (axis.hi + 1) - 0.5;
  return axis.lo + p * (axis.hi - axis.lo);
}

const xOf = (i: number, n: number) => SIDE + (i * (WIDTH - 2 * SIDE)) / Math.max(1, n - 1);
const yOf = (p: number) => TOP + (1 - p) * (HEIGHT - TOP - BOTTOM);

/**
 * Parallel coordinates of a sweep's runs, drawn on a canvas (10,000 lines): an axis per swept
 * setting, then the outcomes; each run a line coloured by the chosen outcome on the heatmap's
 * fixed scale; diverged runs black, failed or cancelled grey and dashed, unfinished ones left
 * out. Dragging along an axis brushes a range; runs outside every brush
 * fade, and `onBounds` gets the brushes as the run table's filter.
 */
export const ParallelCoordinates = memo(function ParallelCoordinates({
  sweepId,
  version,
  view,
  onBounds,
}: {
  sweepId: string;
  version: number;
  view: View;
  onBounds: (bounds: Bounds | null) => void;
}) {
  const [columns, setColumns] = useState<Columns | null>(null);
  const [error, setError] = useState("");
  const [colourBy, setColourBy] = useState<GridMetric>(() => choice(view, "colourBy", OUTCOMES, "valAccuracy"));
  // Brushes in the URL as `brush.<axis>=low..high`, in the axis's units.
  const [brushes, setBrushes] = useState<Record<string, [number, number]>>(() =>
    Object.fromEntries(
      Object.entries(view).flatMap(([k, v]) => {
        const m = /^brush\.(\w+)$/.exec(k);
        const [lo, hi] = v.split("..").map(Number);
        return m && Number.isFinite(lo) && Number.isFinite(hi) && lo! <= hi! ? [[m[1]!, [lo!, hi!] as [number, number]]] : [];
      }),
    ),
  );
  useUrlSync({
    colourBy: colourBy === "valAccuracy" ? null : colourBy,
    ...Object.fromEntries([...RUN_AXES, ...OUTCOMES].map((k) => [`brush.${k}`, brushes[k] ? `${brushes[k][0]}..${brushes[k][1]}` : null])),
  });
  const drag = useRef<{ axis: number; from: number } | null>(null);
  // Set while a brush is dragged (drag holds where it started).
  const [dragging, setDragging] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    api<Columns>(columnsUrl(sweepId))
      .then(setColumns)
      .catch((e: Error) => setError(e.message));
  }, [sweepId, version]);
  const axes = useMemo(() => (columns ? axesOf(columns) : []), [columns]);
  const status = useMemo(() => (columns ? columnValues(columns.status ?? []) : []), [columns]);
  const selected = useMemo(() => {
    const brushed = axes.map((a, i) => [a, brushes[a.key], i] as const).filter(([, b]) => b);
    return Array.from(status, (_, r) => brushed.every(([a, b]) => a.values[r]! >= b![0] && a.values[r]! <= b![1]));
  }, [axes, brushes, status]);
  const drawnRuns = status.filter((s) => s !== "queued" && s !== "running").length;
  const chosen = selected.filter((s, r) => s && status[r] !== "queued" && status[r] !== "running").length;

  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context || axes.length === 0) return;
    context.clearRect(0, 0, WIDTH, HEIGHT);
    const scale = metricScale(colourBy, null);
    const colourAxis = axes.find((a) => a.key === colourBy);
    // Faded runs first, chosen ones on top.
    for (const pass of [false, true]) {
      for (let r = 0; r < status.length; r++) {
        if (selected[r] !== pass || status[r] === "queued" || status[r] === "running") continue;
        const failed = status[r] === "failed" || status[r] === "timed_out" || status[r] === "cancelled";
        const colour = !pass
          ? "rgba(140,149,159,0.15)"
          : status[r] === "diverged"
            ? "#1b1f24"
            : failed || status[r] === "pruned"
              ? "#8c959f"
              : (scaleColour(scale, colourAxis?.values[r] ?? NaN) ?? "#8c959f");
        context.strokeStyle = colour;
        context.globalAlpha = pass ? Math.max(0.08, Math.min(0.9, 60 / Math.max(1, chosen))) : 1;
        context.setLineDash(failed ? [4, 3] : []);
        context.beginPath();
        let pen = false;
        axes.forEach((a, i) => {
          const p = position(a, a.values[r]!);
          if (Number.isNaN(p)) return void (pen = false);
          if (pen) context.lineTo(xOf(i, axes.length), yOf(p));
          else context.moveTo(xOf(i, axes.length), yOf(p));
          pen = true;
        });
        context.stroke();
      }
    }
    context.globalAlpha = 1;
    context.setLineDash([]);
    // Said once the lines are on the canvas (data-runs says how many there are to draw): what a test or a bench waits for.
    canvas.current!.dataset.drawn = String(drawnRuns);
    context.fillStyle = "#24292f";
    context.font = "11px sans-serif";
    context.textAlign = "center";
    axes.forEach((a, i) => {
      const x = xOf(i, axes.length);
      context.strokeStyle = "#57606a";
      context.beginPath();
      context.moveTo(x, yOf(0));
      context.lineTo(x, yOf(1));
      context.stroke();
      context.fillText(a.label, x, 14);
      const ticks = a.kind === "category" ? a.categories.map((c, k) => [k, c] as const) : [[a.lo, fmt(a.lo)] as const, [a.hi, fmt(a.hi)] as const];
      for (const [v, text] of ticks) context.fillText(String(text), x, yOf(position(a, v)) + (a.kind === "category" ? 4 : v === a.hi ? -4 : 12));
      const b = brushes[a.key];
      if (b) {
        context.fillStyle = "rgba(9,105,218,0.25)";
        const [y0, y1] = [yOf(position(a, b[1])), yOf(position(a, b[0]))];
        context.fillRect(x - 7, y0, 14, Math.max(2, y1 - y0));
        context.fillStyle = "#24292f";
      }
    });
  }, [axes, selected, status, colourBy, brushes, chosen, drawnRuns]);

  // Brushes become the run table's filter: bounds on numeric columns, the categories a brush covers.
  // While a brush is dragged only the lines follow it; the table asks once, when it is let go.
  useEffect(() => {
    if (dragging) return;
    const bounds: Bounds = {};
    for (const a of axes) {
      const b = brushes[a.key];
      if (!b) continue;
      if (a.kind === "category") bounds[a.key] = { among: a.categories.filter((_, k) => k >= b[0] && k <= b[1]) };
      else if (a.column && a.toColumn) bounds[a.column] = { min: a.toColumn(b[0]), max: a.toColumn(b[1]) };
    }
    onBounds(Object.keys(bounds).length > 0 ? bounds : null);
  }, [axes, brushes, dragging]);

  const at = (e: MouseEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const [x, y] = [((e.clientX - box.left) * WIDTH) / box.width, ((e.clientY - box.top) * HEIGHT) / box.height];
    const axis = axes.findIndex((_, i) => Math.abs(xOf(i, axes.length) - x) < 14);
    return { axis, p: Math.max(0, Math.min(1, 1 - (y - TOP) / (HEIGHT - TOP - BOTTOM))) };
  };
  const brush = (axis: number, from: number, to: number) => {
    const a = axes[axis]!;
    // Six digits, rounded outwards (a run at the very top stays in): a brush is a hand's gesture, and its bounds stay readable in the URL.
    const round = (v: number, up: boolean) => {
      if (v === 0 || !Number.isFinite(v)) return v;
      const step = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 5);
      return Number(((up ? Math.ceil(v / step) : Math.floor(v / step)) * step).toPrecision(12));
    };
    const [v0, v1] = [round(valueAt(a, Math.min(from, to)), false), round(valueAt(a, Math.max(from, to)), true)];
    setBrushes((old) => ({ ...old, [a.key]: [v0, v1] }));
  };

  if (error) return <p className="error">{error}</p>;
  return (
    <>
      <h2>Parallel coordinates</h2>
      <label>
        Colour by <MetricSelect label="parallel coordinates colour" value={colourBy} onChange={setColourBy} metrics={OUTCOMES} />
      </label>{" "}
      <span className="muted" data-testid="parallel-selected">
        {Object.keys(brushes).length > 0 ? `${chosen} of ${drawnRuns} finished runs in the brushes` : `${drawnRuns} finished runs`}
      </span>{" "}
      {Object.keys(brushes).length > 0 && (
        <button type="button" className="link" onClick={() => setBrushes({})}>
          clear brushes
        </button>
      )}
      <p className="muted">
        Drag along an axis to brush a range (again to change it; "clear brushes" removes them); the run table follows the brushes. Diverged runs black, failed,
        timed-out or cancelled grey and dashed, pruned grey.
      </p>
      <Figure id="parallel-coordinates" title="runs across settings and outcomes" canvas>
        <canvas
          ref={canvas}
          width={WIDTH}
          height={HEIGHT}
          data-runs={drawnRuns}
          data-axes={axes.map((a) => a.key).join(",")}
          style={{ width: "100%", maxWidth: WIDTH, touchAction: "none", cursor: "crosshair" }}
          onPointerDown={(e) => {
            const { axis, p } = at(e);
            if (axis < 0) return;
            drag.current = { axis, from: p };
            setDragging(true);
            e.currentTarget.setPointerCapture(e.pointerId);
          }}
          onPointerMove={(e) => {
            // A click's jitter is no brush.
            if (!drag.current || Math.abs(at(e).p - drag.current.from) <= 0.01) return;
            brush(drag.current.axis, drag.current.from, at(e).p);
          }}
          onPointerUp={(e) => {
            if (drag.current && Math.abs(at(e).p - drag.current.from) > 0.01) brush(drag.current.axis, drag.current.from, at(e).p);
            drag.current = null;
            setDragging(false);
          }}
          onPointerCancel={() => {
            drag.current = null;
            setDragging(false);
          }}
        />
      </Figure>
    </>
  );
});
