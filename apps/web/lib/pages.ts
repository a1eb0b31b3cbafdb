import "server-only";
import { loadSweep, type Control } from "@gradtrace/control";
import { LIMITS, metricCost, RUN_AXES, type LayerMetric, type RunAxis } from "@gradtrace/core";
import { z } from "zod";
import {
  bestRuns,
  EMPTY_THIN_TRACE,
  edgeEpochs,
  epochScalarSeries,
  getRunRow,
  getRunRows,
  runSeries,
  listSweeps,
  sweepGrid,
  sweepRunTable,
  sweepTrials,
  type PrismaClient,
  type Bucket,
  type RunRow,
} from "@gradtrace/db";
import { describeTrial, listWorkers, runJobCounts, trialObjective, type SweepSpec } from "@gradtrace/queue";
import { pageTableQuery, RUN_TABLE_PAGE } from "./run-table.ts";

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
  const { name, notes, tags, status, runs, epochsTrained, spec, createdAt, launchedBy } = await loadSweep(prisma, id);
  return { id, name, notes, tags, status, runs, epochsTrained, spec, createdAt, launchedBy };
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
  return { run: await getRunRow(prisma, id), ...EMPTY_THIN_TRACE };
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

/** Which layer of each run a per-layer comparison follows: its first, middle or last hidden layer, its output layer, or hidden layer n (from 1). */
export const LayerPickSchema = z.union([z.enum(["first", "middle", "last", "output"]), z.coerce.number().int().min(1).max(LIMITS.maxDepth)]);
export type LayerPick = z.infer<typeof LayerPickSchema>;

/** The index in a run's trace layers (hidden layers, then the output) of `pick` for a net of `depth` hidden layers; null where it has no such layer. */
export function layerIndex(pick: LayerPick, depth: number): number | null {
  if (pick === "first") return 0;
  if (pick === "middle") return Math.floor((depth - 1) / 2);
  if (pick === "last") return depth - 1;
  if (pick === "output") return depth;
  return pick <= depth ? pick - 1 : null;
}

/**
 * One per-layer metric of several runs over the epochs, downsampled: for each run the layer
 * `pick` names in its own net (the middle layer of a depth-4 net is not a depth-10 net's), or
 * null where it has none. One query per distinct layer index.
 */
export async function layerSeriesData(prisma: PrismaClient, ids: readonly string[], metric: LayerMetric, pick: LayerPick, buckets: number) {
  const runs = await getRunRows(prisma, ids);
  const byIndex = new Map<number, string[]>();
  for (const run of runs) {
    const index = layerIndex(pick, run.depth);
    if (index !== null) byIndex.set(index, [...(byIndex.get(index) ?? []), run.id]);
  }
  const series = new Map<string, Bucket[]>();
  for (const [index, group] of byIndex) for (const [id, b] of await runSeries(prisma, group, metric, buckets, index)) series.set(id, b);
  return {
    runs: runs.map((r) => {
      const index = layerIndex(pick, r.depth);
      // The layer each run's line follows, named as the run page names it.
      const layer = index === null ? null : index === r.depth ? "output" : `layer ${index + 1}`;
      return { id: r.id, layer, buckets: series.get(r.id) ?? [] };
    }),
  };
}
export type LayerSeriesData = Awaited<ReturnType<typeof layerSeriesData>>;
