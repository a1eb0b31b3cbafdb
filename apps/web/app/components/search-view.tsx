"use client";
import { CartesianGrid, ComposedChart, Legend, Line, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { maximised, type Wired } from "@gradtrace/core/vocabulary";
import type { SearchData } from "../../lib/pages.ts";
import { Figure, legendProps, yAxisProps } from "./charts.tsx";
import { seriesStyle, valueAxis } from "./axes.ts";
import { fmt } from "./format.ts";

/** A trial's settings in one line. */
function settingsText(s: Wired<SearchData>["trials"][number]["settings"]): string {
  const momentum = s.momentum === undefined ? "" : `, momentum ${fmt(s.momentum)}`;
  return `${s.activation} · ${s.initializer} · ${s.depth} × ${s.width} · ${s.optimizer} lr ${fmt(s.learningRate)}${momentum} · ${s.dataset}`;
}

/** A search's progress: the best trial so far, and each trial's objective with the best so far over trials. */
export function SearchView({ search }: { search: Wired<SearchData> }) {
  const maximise = maximised(search.objective);
  let best: number | null = null;
  const rows = search.trials.map((t) => {
    const value = t.objective === null ? null : Number(t.objective);
    const finite = value !== null && Number.isFinite(value);
    if (finite && (best === null || (maximise ? value > best : value < best))) best = value;
    return { trial: Number(t.number), objective: finite ? value : null, best };
  });
  const finished = search.trials.filter((t) => t.objective !== null).length;
  return (
    <>
      <h2>Search</h2>
      <p data-testid="search-summary">
        TPE on {search.objective} ({maximise ? "maximised" : "minimised"}, mean over seeds): {finished} of {Number(search.planned)} trials finished,{" "}
        {search.trials.length - finished} in flight (at most {Number(search.parallelism)}).{" "}
        {search.best ? (
          <>
            Best so far: trial {Number(search.best.number)}, <strong data-testid="search-best">{fmt(search.best.objective)}</strong> —{" "}
            {settingsText(search.best.settings)}
          </>
        ) : (
          "No trial has finished yet."
        )}
      </p>
      <Figure
        id="objective"
        rows={search.trials.map((t, i) => ({ trial: Number(t.number), objective: rows[i]!.objective, bestSoFar: rows[i]!.best, ...t.settings }))}
        title={`${search.objective} by trial (dots; a failed, diverged or pruned trial has none) and the best so far`}
      >
        <ComposedChart width={720} height={280} data={rows} margin={{ top: 5, right: 20, bottom: 20, left: 10 }}>
          <CartesianGrid stroke="#eee" />
          <XAxis
            dataKey="trial"
            type="number"
            domain={[0, Math.max(1, Number(search.planned) - 1)]}
            allowDecimals={false}
            label={{ value: "trial", position: "insideBottom", offset: -10 }}
          />
          <YAxis {...yAxisProps(valueAxis(rows.map((r) => r.objective)), false)} />
          <Tooltip formatter={(v) => fmt(v as number)} />
          <Legend {...legendProps(280, ["objective", "best"])} />
          <Scatter name="trial" dataKey="objective" fill={seriesStyle(0).stroke} isAnimationActive={false} />
          <Line name="best so far" dataKey="best" type="stepAfter" stroke={seriesStyle(2).stroke} dot={false} isAnimationActive={false} connectNulls />
        </ComposedChart>
      </Figure>
    </>
  );
}
