import type { EpochRecord, LayerInfo, RunSpec } from "@gradtrace/core";
import type { PrismaClient } from "../client.ts";
import { downsample, type Bucket } from "../downsample.ts";
import { IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "../errors.ts";
import type { Run, RunStatus } from "../generated/client.ts";
import { decodeLayers, decodeMetric, encodeHistograms, encodeLayerMetrics, LAYER_METRICS, type LayerMetric } from "../trace-codec.ts";
import { RUN_TRANSITIONS } from "./runs.ts";

/** Whether epoch e of a run with these settings is traced: 0, every k-th, and the last. */
function traced(e: number, epochs: number, every: number): boolean {
  return e === 0 || e === epochs || (e % every === 0 && e < epochs);
}

function nextTraced(after: number, epochs: number, every: number): number {
  return Math.min(epochs, (Math.floor(after / every) + 1) * every);
}

/**
 * Appends traced epochs of one attempt of a running run, idempotently: an epoch already stored
 * (a retried or redelivered message) is skipped, so it is stored exactly once. Epochs must come
 * in order, each the run's next traced epoch, none beyond its epochs; otherwise TraceOrderError.
 * A write from a stale attempt fails with StaleAttemptError and changes nothing. NaN values (a
 * diverged run) are stored as NaN. Returns how many epochs were new.
 */
export async function appendEpochs(prisma: PrismaClient, runId: string, attempt: number, records: readonly EpochRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  return prisma.$transaction(async (tx) => {
    // FOR SHARE: appends proceed side by side, but a new attempt (an UPDATE) waits for them and
    // they for it, so rows of an old attempt can never land after its replacement started.
    const [run] = await tx.$queryRaw<Array<{ status: RunStatus; attempt: number; spec: RunSpec; layers: LayerInfo[] | null }>>`
      SELECT status, attempt, spec, layers FROM "Run" WHERE id = ${runId}::uuid FOR SHARE`;
    if (!run) throw new NotFoundError("run", runId);
    if (run.attempt !== attempt) throw new StaleAttemptError(runId, attempt, run.attempt);
    if (run.status !== "running") throw new IllegalTransitionError(runId, run.status, "running", RUN_TRANSITIONS[run.status]);
    const { epochs, } = run.spec.training;
    const { every } = run.spec.tracing;
    const stored = await tx.traceEpoch.aggregate({ where: { runId }, _max: { epoch: true } });
    const last = stored._max.epoch;
    let expected = last === null ? 0 : nextTraced(last, epochs, every);
    const rows = [];
    for (const record of records) {
      const e = record.epoch;
      if (!Number.isInteger(e) || e < 0 || e > epochs) throw new TraceOrderError(`run ${runId}: epoch ${e} is not one of its epochs 0…${epochs}`);
      if (!traced(e, epochs, every)) throw new TraceOrderError(`run ${runId}: epoch ${e} is not traced (every ${every} epochs, plus 0 and ${epochs})`);
      if (run.layers && record.layers.length !== run.layers.length) {
        throw new TraceOrderError(`run ${runId}: epoch ${e} has ${record.layers.length} layers, the run has ${run.layers.length}`);
      }
      if (last !== null && e <= last) continue;
      if (e !== expected) throw new TraceOrderError(`run ${runId}: epoch ${e} arrived before epoch ${expected}`);
      expected = nextTraced(e, epochs, every);
      rows.push({
        runId,
        epoch: e,
        attempt,
        trainLoss: record.trainLoss,
        trainAccuracy: record.trainAccuracy,
        valLoss: record.valLoss,
        valAccuracy: record.valAccuracy,
        outputStd: record.outputStd,
        layerMetrics: encodeLayerMetrics(record.layers),
        histograms: encodeHistograms(record.layers.map((l) => l.histogram)),
      });
    }
    if (rows.length === 0) return 0;
    await tx.traceEpoch.createMany({ data: rows as never, skipDuplicates: true });
    await tx.run.update({ where: { id: runId }, data: { epochsDone: rows[rows.length - 1]!.epoch } });
    return rows.length;
  });
}

/** A stored run: its row, its layers and every stored traced epoch, decoded. */
export interface StoredRun {
  run: Omit<Run, "seed"> & { seed: number };
  layers: LayerInfo[] | null;
  epochs: EpochRecord[];
}

type EpochRow = {
  runId: string;
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  outputStd: number;
  layerMetrics: Uint8Array;
  histograms: Uint8Array;
};

function decodeEpoch(row: EpochRow): EpochRecord {
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
  const runs = await prisma.run.findMany({ where: { id: { in: [...ids] } } });
  const epochs = await prisma.traceEpoch.findMany({ where: { runId: { in: [...ids] } }, orderBy: [{ runId: "asc" }, { epoch: "asc" }] });
  const byRun = new Map<string, EpochRecord[]>(ids.map((id) => [id, []]));
  for (const row of epochs) byRun.get(row.runId)!.push(decodeEpoch(row));
  const found = new Map(runs.map((r) => [r.id, r]));
  return ids.map((id) => {
    const run = found.get(id);
    if (!run) throw new NotFoundError("run", id);
    return { run: { ...run, seed: Number(run.seed) }, layers: run.layers as LayerInfo[] | null, epochs: byRun.get(id)! };
  });
}

/** One run with its full trace; NotFoundError for an unknown id. */
export async function getRun(prisma: PrismaClient, id: string): Promise<StoredRun> {
  return (await getRuns(prisma, [id]))[0]!;
}

/** The series a chart can ask for: an epoch scalar, or a per-layer metric of one layer. */
export type SeriesMetric = "trainLoss" | "trainAccuracy" | "valLoss" | "valAccuracy" | "outputStd" | LayerMetric;
const SCALARS = ["trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "outputStd"] as const;

/**
 * One metric of several runs, each downsampled to at most `buckets` buckets (first, last, min,
 * max kept). Reads only the columns the metric needs. For a per-layer metric, `layer` indexes
 * Trace.layers (negative counts from the output layer).
 */
export async function runSeries(
  prisma: PrismaClient,
  ids: readonly string[],
  metric: SeriesMetric,
  buckets: number,
  layer = 0,
): Promise<Map<string, Bucket[]>> {
  const scalar = (SCALARS as readonly string[]).includes(metric);
  if (!scalar && !(LAYER_METRICS as readonly string[]).includes(metric)) throw new TraceOrderError(`unknown series metric ${metric}`);
  const rows = await prisma.traceEpoch.findMany({
    where: { runId: { in: [...ids] } },
    orderBy: [{ runId: "asc" }, { epoch: "asc" }],
    select: { runId: true, epoch: true, ...(scalar ? { [metric]: true } : { layerMetrics: true }) },
  });
  const series = new Map<string, { epochs: number[]; values: number[] }>(ids.map((id) => [id, { epochs: [], values: [] }]));
  for (const row of rows as Array<Record<string, unknown> & { runId: string; epoch: number }>) {
    let value: number | null;
    if (scalar) value = row[metric] as number | null;
    else {
      const values = decodeMetric(row.layerMetrics as Uint8Array, metric as LayerMetric);
      value = values.at(layer) ?? null;
    }
    const s = series.get(row.runId)!;
    s.epochs.push(row.epoch);
    s.values.push(value ?? NaN);
  }
  return new Map([...series].map(([id, s]) => [id, downsample(s.epochs, s.values, buckets)]));
}
