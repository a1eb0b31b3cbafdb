import "server-only";
import { loadSweep, type Control } from "@gradtrace/control";
import { metricCost, RUN_AXES, type RunAxis } from "@gradtrace/core";
import {
  bestRuns,
  edgeEpochs,
  epochScalarSeries,
  getRunRow,
  getRunRows,
  listSweeps,
  sweepGrid,
  sweepRunTable,
  sweepTrials,
  type PrismaClient,
  type RunRow,
} from "@gradtrace/db";
import { describeTrial, listWorkers, runJobCounts, trialObjective, type SweepSpec } from "@gradtrace/queue";
import { pageTableQuery, RUN_TABLE_PAGE } from "./run-table.ts";
import { thinTrace } from "./thin-trace.ts";

// What each page and live view is sent, built in one place: client components take these types
// (through toWire's Wired) instead of declaring their own copies.

/** The home page: the newest sweeps (those `text` finds, when given) with their best run, connected workers and queue depth. */
export async function overviewData(c: Control, text?: string) {
  const sweeps = await listSweeps(c.prisma, { take: 50, text });
  const [best, workers, queue] = await Promise.all([
    bestRuns(
      c.prisma,
      sweeps.map((s) => s.id),
    ),
    listWorkers(c.redis, c.prefix),
    runJobCounts(c.queues),
  ]);
  return { sweeps: sweeps.map((s) => ({ ...s, best: best.get(s.id) ?? null })), workers, queue };
}
export type OverviewData = Awaited<ReturnType<typeof overviewData>>;

/** A sweep's header: name, notes, tags, status, run counts, epochs trained so far, and spec. */
export async function sweepHeader(prisma: PrismaClient, id: string) {
  const { name, notes, tags, status, runs, epochsTrained, spec, createdAt } = await loadSweep(prisma, id);
  return { id, name, notes, tags, status, runs, epochsTrained, spec, createdAt };
}
export type SweepHeader = Awaited<ReturnType<typeof sweepHeader>>;

/** A page's search parameters, the first value of each: the view a page opens with (a shared or reloaded link). */
export function viewOf(params: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : Array.isArray(v) && v[0] !== undefined ? [[k, v[0]]] : [])),
  );
}

/**
 * The sweep page: its header, the grid's cells, the page of the run table its URL asks for (the
 * first in the default order otherwise) with the query that chose it, a search's trials, and the
 * URL's parameters for the other views.
 */
export async function sweepPageData(prisma: PrismaClient, id: string, view: Record<string, string> = {}) {
  const table = pageTableQuery(view);
  const [sweep, cells, page] = await Promise.all([sweepHeader(prisma, id), sweepGrid(prisma, id), sweepRunTable(prisma, id, table.query)]);
  return {
    sweep,
    cells,
    runs: page.runs,
    total: page.total,
    offset: table.view.offset,
    limit: table.view.limit,
    query: table.view,
    /** The table's page size when the URL names none. */
    pageSize: RUN_TABLE_PAGE,
    view,
    search: await searchData(prisma, id, sweep.spec),
  };
}

/**
 * A search's trials as the sweep page shows them (null for a grid or random sweep): each trial's
 * settings and objective (mean over its seeds; NaN when a run failed, diverged or was pruned;
 * null while it trains), and the best trial so far.
 */
export async function searchData(prisma: PrismaClient, id: string, spec: SweepSpec) {
  const { sampling } = spec;
  if (sampling.mode !== "tpe") return null;
  const trials = (await sweepTrials(prisma, id)).map((t) => {
    const open = t.runs.length === 0 || t.runs.some((r) => r.status === "queued" || r.status === "running");
    return { number: t.number, settings: describeTrial(spec, t.values), objective: open ? null : trialObjective(sampling.objective, t) };
  });
  const cost = (t: (typeof trials)[number]) => (t.objective === null ? Infinity : metricCost(sampling.objective, t.objective));
  const best = trials.reduce<(typeof trials)[number] | null>((b, t) => (cost(t) < (b ? cost(b) : Infinity) ? t : b), null);
  return { objective: sampling.objective, planned: sampling.trials, parallelism: sampling.parallelism, trials, best };
}
export type SearchData = NonNullable<Awaited<ReturnType<typeof searchData>>>;
export type SweepPageData = Awaited<ReturnType<typeof sweepPageData>>;

/**
 * The run page as the server sends it: the run's row, and an empty trace that the page fills from
 * `GET /api/runs/:id/trace?buckets=200` once it is in the browser — the thinned trace (200 epochs
 * with every layer's histogram) made most of a run page's HTML, rendered again for every visit.
 */
export async function runPageData(prisma: PrismaClient, id: string) {
  return { run: await getRunRow(prisma, id), ...thinTrace([], 200) };
}
export type RunPageData = Awaited<ReturnType<typeof runPageData>>;

/**
 * Several runs side by side, in the order asked for: each run's axes and status, its epoch
 * scalars downsampled, and its first and last epochs whole — three queries, none reading the
 * epochs' layers and histograms in between.
 */
export async function compareData(prisma: PrismaClient, ids: readonly string[], buckets: number) {
  const [runs, series, edges] = await Promise.all([getRunRows(prisma, ids), epochScalarSeries(prisma, ids, buckets), edgeEpochs(prisma, ids)]);
  return {
    runs: runs.map((run) => {
      const { id, sweepId, status, diagnosisKinds, layers } = run;
      return {
        ...(Object.fromEntries(RUN_AXES.map((a) => [a, run[a]])) as Pick<RunRow, RunAxis>),
        id,
        sweepId,
        status,
        diagnosisKinds,
        layers,
        series: series.get(id)!,
        ...edges.get(id)!,
      };
    }),
  };
}
export type CompareData = Awaited<ReturnType<typeof compareData>>;
