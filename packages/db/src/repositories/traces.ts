import {
  decodeLayers,
  decodeMetric,
  EPOCH_SCALARS,
  isTracedEpoch,
  LAYER_METRICS,
  nextTracedEpoch,
  packEpoch,
  packedLayerCount,
  type EpochRecord,
  type EpochScalar,
  type LayerMetric,
  type PackedEpoch,
} from "@gradtrace/core";
import { copyRunnerOf, CopyWriter } from "../bulk-load.ts";
import type { PrismaClient } from "../client.ts";
import { downsample, type Bucket } from "../downsample.ts";
import { DbError, IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "../errors.ts";
import { Prisma, type RunStatus } from "../generated/client.ts";
import { idents } from "../sql-params.ts";
import { RUN_TRANSITIONS } from "./runs.ts";
import { readRunRow, type RunRow } from "./stored.ts";

/** Whether a record shows the run diverging: a loss that is no longer finite. */
function diverged(record: Pick<EpochRecord, "trainLoss" | "valLoss">): boolean {
  return !Number.isFinite(record.trainLoss) || (record.valLoss !== null && !Number.isFinite(record.valLoss));
}

/** The TraceEpoch columns a COPY loads, in the order CopyWriter writes them. */
const TRACE_COLUMNS = ["runId", "epoch", "attempt", ...EPOCH_SCALARS, "layerMetrics", "histograms"] as const;
/** A row's bytes in the COPY payload besides its packed layers: field count, uuid, two int4, the float8 scalars, two bytea lengths. */
const ROW_BYTES = 2 + 20 + 2 * 8 + EPOCH_SCALARS.length * 12 + 2 * 4;

/** Traced epochs of one attempt of one run, packed, as a recorder receives them. */
export interface EpochChunk {
  runId: string;
  attempt: number;
  records: readonly PackedEpoch[];
}

/** What became of a chunk: how many of its epochs were new, or why it was refused. */
export interface ChunkResult {
  runId: string;
  inserted: number;
  error?: DbError;
}

interface RunState {
  id: string;
  status: RunStatus;
  attempt: number;
  epochs: number;
  every: number;
  layers: number | null;
  last: number | null;
}

/**
 * Appends traced epochs of many runs in one transaction: one statement locks and reads the runs,
 * then a COPY writes every accepted epoch (binary, the packed layers as they came) and one
 * statement moves the runs' progress. Idempotent: an epoch already stored (a retried or
 * redelivered message) is skipped, so each is stored exactly once. Each chunk is checked on its
 * own: epochs must come in order, each its run's next traced epoch, none beyond its epochs, with
 * the run's number of layers (TraceOrderError); the run must exist (NotFoundError), be running (or pruned, its last epochs arriving)
 * (IllegalTransitionError) and be at this attempt (StaleAttemptError) — checked under the runs'
 * locks, so no row of an attempt lands after its replacement started. A refused
 * chunk stores nothing; the others are stored. NaN values (a diverged run) are stored as NaN.
 */
export async function appendEpochChunks(prisma: PrismaClient, chunks: readonly EpochChunk[]): Promise<ChunkResult[]> {
  const ids = [...new Set(chunks.map((c) => c.runId))].sort();
  const results: ChunkResult[] = chunks.map((c) => ({ runId: c.runId, inserted: 0 }));
  const inserted = await copyRunnerOf(prisma)(async (tx) => {
    // The runs are read under their locks, taken in id order so concurrent batches cannot
    // deadlock: a run restarted or finished meanwhile is seen as it now is, and the last epoch
    // read is the last stored (a batch of another recorder may have stored some since its
    // message was sent), so COPY never meets a stored epoch.
    const states = await tx.query<RunState>(Prisma.sql`
      SELECT r.id::text AS id, r.status::text AS status, r.attempt, (r.spec #>> '{training,epochs}')::int AS epochs,
        (r.spec #>> '{tracing,every}')::int AS every, jsonb_array_length(r.layers) AS layers,
        (SELECT max(t.epoch) FROM "TraceEpoch" t WHERE t."runId" = r.id) AS last
      FROM "Run" r WHERE r.id = ANY(${ids}::uuid[]) ORDER BY r.id FOR NO KEY UPDATE OF r`);
    const byId = new Map(states.map((s) => [s.id, s]));
    const rows: Array<{ runId: string; attempt: number; record: PackedEpoch }> = [];
    chunks.forEach((chunk, i) => {
      const run = byId.get(chunk.runId);
      try {
        if (!run) throw new NotFoundError("run", chunk.runId);
        // A pruned run's epochs trained before its worker saw the decision are kept: they are its trace.
        const pruned = run.status === "pruned" && run.attempt === chunk.attempt;
        if (RUN_TRANSITIONS[run.status].length === 0 && !pruned) throw new IllegalTransitionError(chunk.runId, run.status, "running", []);
        if (run.attempt !== chunk.attempt) throw new StaleAttemptError(chunk.runId, chunk.attempt, run.attempt);
        if (run.status !== "running" && !pruned) throw new IllegalTransitionError(chunk.runId, run.status, "running", RUN_TRANSITIONS[run.status]);
        const accepted = acceptedEpochs(run, chunk.records);
        for (const record of accepted) rows.push({ runId: run.id, attempt: chunk.attempt, record });
        if (accepted.length > 0) run.last = accepted[accepted.length - 1]!.epoch;
      } catch (error) {
        if (!(error instanceof DbError)) throw error;
        results[i]!.error = error;
      }
    });
    const counts = new Map<string, { n: number; last: number }>();
    if (rows.length === 0) return counts;
    let bytes = 0;
    for (const { record } of rows) bytes += ROW_BYTES + record.layerMetrics.byteLength + record.histograms.byteLength;
    const copy = new CopyWriter(bytes);
    for (const { runId, attempt, record } of rows) {
      copy.row(TRACE_COLUMNS.length).uuid(runId).int4(record.epoch).int4(attempt);
      for (const k of EPOCH_SCALARS) copy.float8(record[k]);
      copy.bytea(record.layerMetrics).bytea(record.histograms);
      counts.set(runId, { n: (counts.get(runId)?.n ?? 0) + 1, last: record.epoch });
    }
    await tx.copy("TraceEpoch", TRACE_COLUMNS, copy.finish());
    const done = [...counts];
    await tx.query(Prisma.sql`
      UPDATE "Run" SET "epochsDone" = d.epoch FROM unnest(${done.map(([id]) => id)}::uuid[], ${done.map(([, c]) => c.last)}::int[]) AS d(id, epoch)
      WHERE "Run".id = d.id`);
    return counts;
  });
  for (const result of results) {
    if (result.error) continue;
    result.inserted = inserted.get(result.runId)?.n ?? 0;
    inserted.delete(result.runId);
  }
  return results;
}

/** The records of a chunk that are new for `run`, after checking that they fit it. */
function acceptedEpochs(run: RunState, records: readonly PackedEpoch[]): PackedEpoch[] {
  const { id, epochs, every, last } = run;
  let expected = last === null ? 0 : nextTracedEpoch(last, epochs, every);
  const rows: PackedEpoch[] = [];
  for (const record of records) {
    const e = record.epoch;
    if (!Number.isInteger(e) || e < 0 || e > epochs) throw new TraceOrderError(`run ${id}: epoch ${e} is not one of its epochs 0…${epochs}`);
    // The core records the epoch a run diverged at whether or not it is traced; it is the last.
    if (!isTracedEpoch(e, epochs, every) && !diverged(record))
      throw new TraceOrderError(`run ${id}: epoch ${e} is not traced (every ${every} epochs, plus 0 and ${epochs})`);
    const layers = packedLayerCount(record);
    if (run.layers !== null && layers !== run.layers) {
      throw new TraceOrderError(`run ${id}: epoch ${e} has ${layers} layers, the run has ${run.layers}`);
    }
    if (last !== null && e <= last) continue;
    if (e > expected) throw new TraceOrderError(`run ${id}: epoch ${e} arrived before epoch ${expected}`, true);
    expected = nextTracedEpoch(e, epochs, every);
    rows.push(record);
  }
  return rows;
}

/** Appends traced epochs of one run (see appendEpochChunks); throws the chunk's error, else returns how many were new. */
export async function appendEpochs(prisma: PrismaClient, runId: string, attempt: number, records: readonly EpochRecord[]): Promise<number> {
  const [result] = await appendEpochChunks(prisma, [{ runId, attempt, records: records.map(packEpoch) }]);
  if (result!.error) throw result!.error;
  return result!.inserted;
}

/** A run's row without its trace (NotFoundError for an unknown id). */
export async function getRunRow(prisma: PrismaClient, id: string): Promise<RunRow> {
  return (await getRunRows(prisma, [id]))[0]!;
}

/** Several runs' rows (no trace), in the order of `ids`; NotFoundError for an unknown id. */
export async function getRunRows(prisma: PrismaClient, ids: readonly string[]): Promise<RunRow[]> {
  const found = new Map((await prisma.run.findMany({ where: { id: { in: [...ids] } } })).map((r) => [r.id, r]));
  return ids.map((id) => {
    const run = found.get(id);
    if (!run) throw new NotFoundError("run", id);
    return readRunRow(run);
  });
}

/** Where a run stands, cheaply (what a live run page watches): status, attempt and epochs trained. */
export async function runState(prisma: PrismaClient, id: string): Promise<{ status: RunStatus; attempt: number; epochsDone: number }> {
  const run = await prisma.run.findUnique({ where: { id }, select: { status: true, attempt: true, epochsDone: true } });
  if (!run) throw new NotFoundError("run", id);
  return run;
}

/** A stored run: its row (layers included) and every stored traced epoch, decoded. */
export interface StoredRun {
  run: RunRow;
  epochs: EpochRecord[];
}

type EpochRow = Omit<EpochRecord, "layers"> & { runId: string; layerMetrics: Uint8Array; histograms: Uint8Array };

function decodeEpoch(row: Omit<EpochRow, "runId">): EpochRecord {
  return {
    epoch: row.epoch,
    trainLoss: row.trainLoss,
    trainAccuracy: row.trainAccuracy,
    valLoss: row.valLoss,
    valAccuracy: row.valAccuracy,
    outputStd: row.outputStd,
    layers: decodeLayers(row.layerMetrics, row.histograms),
  };
}

/** Several runs with their full traces, in the order of `ids` (one query for runs, one for epochs). */
export async function getRuns(prisma: PrismaClient, ids: readonly string[]): Promise<StoredRun[]> {
  const runs = await getRunRows(prisma, ids);
  const epochs = await prisma.traceEpoch.findMany({ where: { runId: { in: [...ids] } }, orderBy: [{ runId: "asc" }, { epoch: "asc" }] });
  const byRun = new Map<string, EpochRecord[]>(ids.map((id) => [id, []]));
  for (const row of epochs) byRun.get(row.runId)!.push(decodeEpoch(row));
  return runs.map((run) => ({ run, epochs: byRun.get(run.id)! }));
}

/** One run with its full trace; NotFoundError for an unknown id. */
export async function getRun(prisma: PrismaClient, id: string): Promise<StoredRun> {
  return (await getRuns(prisma, [id]))[0]!;
}

/** A trace thinned for a run's charts: every series downsampled, and a few traced epochs in full. */
export interface ThinTrace {
  series: Record<EpochScalar, Bucket[]>;
  /** Per metric, per layer (Trace.layers' order). */
  layerSeries: Record<LayerMetric, Bucket[][]>;
  /** At most `buckets` traced epochs in full, first and last included: for histograms and depth profiles. */
  epochs: EpochRecord[];
  epochCount: number;
}

/** A stored epoch as a chart reads it: the histograms only where the epoch is kept in full. */
type ChartRow = Omit<EpochRow, "runId" | "histograms"> & { histograms: Uint8Array | null };

/** Downsamples the rows' series to `keep` buckets; the rows with histograms are the epochs kept in full. */
function thinRows(rows: readonly ChartRow[], keep: number): ThinTrace {
  const x = rows.map((r) => r.epoch);
  const bucketsOf = (values: number[]) => downsample(x, values, keep);
  const layerSeries = Object.fromEntries(
    LAYER_METRICS.map((m) => {
      const columns = rows.map((r) => decodeMetric(r.layerMetrics, m));
      return [m, Array.from({ length: columns[0]?.length ?? 0 }, (_, l) => bucketsOf(columns.map((c) => c[l] ?? NaN)))];
    }),
  ) as ThinTrace["layerSeries"];
  return {
    series: Object.fromEntries(EPOCH_SCALARS.map((k) => [k, bucketsOf(rows.map((r) => r[k] ?? NaN))])) as ThinTrace["series"],
    layerSeries,
    epochs: rows.flatMap((r) => (r.histograms ? [decodeEpoch({ ...r, histograms: r.histograms })] : [])),
    epochCount: rows.length,
  };
}

/** The thinned trace of a run with no stored epoch. */
export const EMPTY_THIN_TRACE: ThinTrace = thinRows([], 0);

/**
 * A run's trace thinned to `buckets` (0: keep everything), so a 5,000-epoch run costs a chart what
 * a 50-epoch one does: the series downsampled (first, last, min and max kept) and `buckets` epochs
 * in full, spread evenly, first and last included. One statement, which sends the histograms
 * of those epochs only: reading and decoding every epoch whole took ~450 ms for 5,001 epochs.
 */
export async function thinRunTrace(prisma: PrismaClient, id: string, buckets: number): Promise<ThinTrace> {
  const limit = buckets === 0 ? 2 ** 31 - 1 : buckets;
  // Kept in full: the epochs at round(k (n − 1) / (keep − 1)), k < keep — an even spread, first
  // and last included. Postgres's round() and Math.round agree on these non-negative quotients
  // of integers (a tie is exactly representable, so neither rounds it differently).
  const rows = await prisma.$queryRaw<ChartRow[]>`
    WITH t AS (
      SELECT epoch, ${idents(EPOCH_SCALARS)}, "layerMetrics", histograms,
        row_number() OVER (ORDER BY epoch) - 1 AS i, count(*) OVER () AS n
      FROM "TraceEpoch" WHERE "runId" = ${id}::uuid
    ), kept AS (
      SELECT DISTINCT round(k * (c.n - 1)::numeric / greatest(1, least(c.n, ${limit}::int) - 1)) AS i
      FROM (SELECT n FROM t LIMIT 1) c, generate_series(0, least(c.n, ${limit}::int) - 1) AS k
    )
    SELECT t.epoch, ${idents(EPOCH_SCALARS, "t")}, t."layerMetrics",
      CASE WHEN kept.i IS NULL THEN NULL ELSE t.histograms END AS histograms
    FROM t LEFT JOIN kept ON kept.i = t.i ORDER BY t.epoch`;
  return thinRows(rows, Math.min(rows.length, limit));
}

/** The series a chart can ask for: an epoch scalar, or a per-layer metric of one layer. */
export type SeriesMetric = EpochScalar | LayerMetric;

/**
 * Metrics of several runs, each downsampled to at most `buckets` buckets (first, last, min, max
 * kept). Reads only the columns the metrics need (never the histograms). For a per-layer metric,
 * `layer` indexes Trace.layers (negative counts from the output layer).
 */
async function readSeries<M extends SeriesMetric>(
  prisma: PrismaClient,
  ids: readonly string[],
  metrics: readonly M[],
  buckets: number,
  layer: number,
): Promise<Map<string, Record<M, Bucket[]>>> {
  const isScalar = (m: string) => (EPOCH_SCALARS as readonly string[]).includes(m);
  for (const m of metrics) if (!isScalar(m) && !(LAYER_METRICS as readonly string[]).includes(m)) throw new TraceOrderError(`unknown series metric ${m}`);
  const rows = await prisma.traceEpoch.findMany({
    where: { runId: { in: [...ids] } },
    orderBy: [{ runId: "asc" }, { epoch: "asc" }],
    select: { runId: true, epoch: true, ...Object.fromEntries(metrics.map((m) => [isScalar(m) ? m : "layerMetrics", true])) },
  });
  const series = new Map(ids.map((id) => [id, { epochs: [] as number[], values: metrics.map(() => [] as number[]) }]));
  for (const row of rows as Array<Record<string, unknown> & { runId: string; epoch: number }>) {
    const s = series.get(row.runId)!;
    s.epochs.push(row.epoch);
    metrics.forEach((m, k) => {
      const value = isScalar(m) ? (row[m] as number | null) : (decodeMetric(row.layerMetrics as Uint8Array, m as LayerMetric).at(layer) ?? null);
      s.values[k]!.push(value ?? NaN);
    });
  }
  return new Map(
    [...series].map(([id, s]) => [id, Object.fromEntries(metrics.map((m, k) => [m, downsample(s.epochs, s.values[k]!, buckets)])) as Record<M, Bucket[]>]),
  );
}

/**
 * One metric of several runs, each downsampled to at most `buckets` buckets (first, last, min,
 * max kept). For a per-layer metric, `layer` indexes Trace.layers (negative counts from the output layer).
 */
export async function runSeries(
  prisma: PrismaClient,
  ids: readonly string[],
  metric: SeriesMetric,
  buckets: number,
  layer = 0,
): Promise<Map<string, Bucket[]>> {
  return new Map([...(await readSeries(prisma, ids, [metric], buckets, layer))].map(([id, s]) => [id, s[metric]]));
}

/** Every epoch scalar (losses, accuracies, output std) of several runs, downsampled, from one query that skips layers and histograms. */
export function epochScalarSeries(prisma: PrismaClient, ids: readonly string[], buckets: number): Promise<Map<string, Record<EpochScalar, Bucket[]>>> {
  return readSeries(prisma, ids, EPOCH_SCALARS, buckets, 0);
}

/**
 * The first and the last stored epoch of several runs, whole (layers and histograms), without
 * reading the epochs between: Postgres picks them from the primary key's index.
 */
export async function edgeEpochs(prisma: PrismaClient, ids: readonly string[]): Promise<Map<string, { first: EpochRecord | null; last: EpochRecord | null }>> {
  const edges = new Map(ids.map((id) => [id, { first: null as EpochRecord | null, last: null as EpochRecord | null }]));
  if (ids.length === 0) return edges;
  const rows = await prisma.$queryRaw<Array<EpochRow & { edge: "first" | "last" }>>`
    (SELECT DISTINCT ON ("runId") 'first' AS edge, * FROM "TraceEpoch" WHERE "runId" = ANY(${[...ids]}::uuid[]) ORDER BY "runId", epoch ASC)
    UNION ALL
    (SELECT DISTINCT ON ("runId") 'last' AS edge, * FROM "TraceEpoch" WHERE "runId" = ANY(${[...ids]}::uuid[]) ORDER BY "runId", epoch DESC)`;
  for (const row of rows) edges.get(row.runId)![row.edge] = decodeEpoch(row);
  return edges;
}
