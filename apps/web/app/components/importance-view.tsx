"use client";
import { Bar, BarChart, CartesianGrid, ErrorBar, Tooltip, XAxis, YAxis } from "recharts";
import { memo, useEffect, useState } from "react";
import type { Wired } from "@gradtrace/core/vocabulary";
import type { GridMetric, SweepImportance } from "@gradtrace/db";
import { MetricSelect } from "./metric-select.tsx";
import { Figure } from "./charts.tsx";
import { api, fmt } from "./format.ts";
import { GRID_METRIC_TITLES } from "./scales.ts";
import { useUrlSync } from "./url-state.ts";
import { type View } from "./view.ts";
import { importanceMetric, importanceUrl } from "./figure-reads.ts";

/** Pairs shown besides the main effects: the largest. */
const PAIRS_SHOWN = 5;

/**
 * Which setting matters: for the chosen final metric, the share of its variance each swept
 * setting and the largest pairs explain, as bars (error bars: ± std over seeds), refetched when
 * `version` changes (runs finished).
 */
export const ImportanceView = memo(function ImportanceView({ sweepId, version, view }: { sweepId: string; version: number; view: View }) {
  const [metric, setMetric] = useState<GridMetric>(() => importanceMetric(view));
  useUrlSync({ importance: metric === "valLoss" ? null : metric });
  const [importance, setImportance] = useState<Wired<SweepImportance> | null | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ importance: Wired<SweepImportance> | null }>(importanceUrl(sweepId, metric))
      .then((r) => setImportance(r.importance))
      .catch((e: Error) => setError(e.message));
  }, [sweepId, metric, version]);
  const pct = (x: unknown) => 100 * Number(x);
  const bars = importance
    ? [
        ...importance.main.map((m) => ({ term: String(m.axis), share: pct(m.fraction), spread: m.seedStd === null ? 0 : pct(m.seedStd) })),
        ...importance.pairs
          .slice(0, PAIRS_SHOWN)
          .map((p) => ({ term: `${p.axes[0]} × ${p.axes[1]}`, share: pct(p.fraction), spread: p.seedStd === null ? 0 : pct(p.seedStd) })),
        { term: importance.method === "exact" ? "higher-order" : "unexplained", share: pct(importance.rest), spread: 0 },
      ]
    : [];
  return (
    <>
      <h2>Which setting matters</h2>
      <label>
        Variance of <MetricSelect label="importance metric" value={metric} onChange={setMetric} />
      </label>{" "}
      <span className="muted" data-testid="importance-method">
        {importance
          ? `functional ANOVA, ${importance.method === "exact" ? "exact on the complete grid" : "of a main-effects + pairs model fitted to the cells there are"} (${Number(importance.cells)} of ${Number(importance.grid)} cells, ${Number(importance.runs)} completed runs${
              Number(importance.spreadSeeds) > 1
                ? `; error bars: ± std over ${Number(importance.spreadSeeds) < Number(importance.seeds) ? `the first ${Number(importance.spreadSeeds)} of ${Number(importance.seeds)}` : Number(importance.seeds)} seeds, each decomposed alone`
                : ""
            })`
          : importance === null
            ? "not yet: it needs completed runs in two cells or more, with a metric that varies"
            : error || "…"}
      </span>
      {importance && (
        <Figure
          id="importance"
          rows={bars.map((b) => ({ term: b.term, percent: b.share, seedStdPercent: b.spread }))}
          title={`Share of the variance of the ${GRID_METRIC_TITLES[metric]} each setting and pair explains`}
        >
          <BarChart width={720} height={40 + 28 * bars.length} data={bars} layout="vertical" margin={{ top: 5, right: 30, bottom: 20, left: 10 }}>
            <CartesianGrid stroke="#eee" />
            <XAxis
              type="number"
              domain={[0, 100]}
              ticks={[0, 25, 50, 75, 100]}
              allowDataOverflow
              unit="%"
              label={{ value: "share of the variance", position: "insideBottom", offset: -10 }}
            />
            <YAxis type="category" dataKey="term" width={220} />
            <Tooltip formatter={(v) => `${fmt(v as number)}%`} />
            <Bar dataKey="share" fill="#0b63c5" isAnimationActive={false}>
              <ErrorBar dataKey="spread" width={4} strokeWidth={1.5} stroke="#333" direction="x" />
            </Bar>
          </BarChart>
        </Figure>
      )}
    </>
  );
});
