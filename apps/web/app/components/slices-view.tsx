"use client";
import { Bar, CartesianGrid, Cell, ComposedChart, ErrorBar, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { memo, useDeferredValue, useEffect, useState } from "react";
import type { Wired } from "@gradtrace/core/vocabulary";
import type { GridMetric, Slice } from "@gradtrace/db";
import { seriesStyle, valueAxis } from "./axes.ts";
import { MetricSelect } from "./metric-select.tsx";
import { Figure, yAxisProps } from "./charts.tsx";
import { api, fmt } from "./format.ts";
import { shownValue } from "./scales.ts";
import { useUrlSync } from "./url-state.ts";
import { type View } from "./view.ts";
import { SLICE_BY, sliceChoice, slicesUrl, type SliceBy } from "./figure-reads.ts";

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
export const SlicesView = memo(function SlicesView({ sweepId, version, view }: { sweepId: string; version: number; view: View }) {
  const [metric, setMetric] = useState<GridMetric>(() => sliceChoice(view).metric);
  const [by, setBy] = useState<SliceBy>(() => sliceChoice(view).by);
  useUrlSync({ spread: metric === "valLoss" ? null : metric, spreadBy: by === "none" ? null : by });
  const [slices, setSlices] = useState<Array<Wired<Slice>> | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ slices: Array<Wired<Slice>> }>(slicesUrl(sweepId, metric, by))
      .then((r) => setSlices(r.slices))
      .catch((e: Error) => setError(e.message));
  }, [sweepId, metric, by, version]);
  // Drawn at a priority that lets the page's other figures draw first.
  const shownSlices = useDeferredValue(slices);
  const groups = shownSlices?.[0]?.groups ?? [];
  return (
    <>
      <h2>Slices</h2>
      <label>
        Spread of <MetricSelect label="slices metric" value={metric} onChange={setMetric} />
      </label>{" "}
      <label>
        split by{" "}
        <select aria-label="slices split" value={by} onChange={(e) => setBy(e.target.value as SliceBy)}>
          {SLICE_BY.map((a) => (
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
      {shownSlices && shownSlices.length === 0 && <p className="muted">not yet: no completed run with a value, or the sweep varies nothing</p>}
      <div className="row" data-testid="slices">
        {(shownSlices ?? []).map((slice) => {
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
});
