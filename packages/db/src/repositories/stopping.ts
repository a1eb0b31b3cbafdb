import {
  ashaVerdict,
  bestSoFar,
  checkEpochs,
  checkRecordEpoch,
  diagnosisStop,
  medianVerdict,
  stopEvidence,
  stoppingValue,
  StoppingSpecSchema,
  unpackEpoch,
  type EpochRecord,
  type LayerInfo,
  type PackedEpoch,
  type RunSpec,
  type StoppingMetric,
  type StoppingSpec,
  type StopReason,
  type Verdict,
} from "@gradtrace/core";
import type { PrismaClient } from "../client.ts";
import type { Prisma } from "../generated/client.ts";
import { floatText } from "../sql-params.ts";
import type { EpochChunk } from "./traces.ts";
import { storedLayers, storedSpec, storedStopReason } from "./stored.ts";

/** A run a stopping rule pruned: the queue must stop it. */
export interface StopDecision {
  runId: string;
  sweepId: string;
  reason: StopReason;
}

const StoredStoppingSchema = StoppingSpecSchema.nullable();

interface Candidate {
  id: string;
  sweepId: string;
  status: string;
  attempt: number;
  spec: unknown;
  layers: unknown;
  stopping: unknown;
  stopReason: unknown;
  initialOutputStd: number | null;
}

/**
 * Applies the sweeps' stopping rules to epochs just stored (chunks as appendEpochChunks took
 * them): for each run of a sweep with a stopping spec, the diagnosis rule on each new epoch and
 * the sweep's rule (ASHA, median) at each check epoch the chunk answers, in epoch order. Each
 * check is stored once (StopCheck) under a per-sweep lock, so runs are compared with the values
 * recorded before them in one order whatever the number of recorders, and a redelivered epoch or
 * a retried attempt finds its decision instead of making another. A run found hopeless becomes
 * `pruned` with its reason, keeping its trace. Returns the runs to stop: those pruned now, and
 * those already pruned whose epochs still arrive (their worker has not stopped yet).
 */
export async function decideStops(prisma: PrismaClient, chunks: readonly EpochChunk[]): Promise<StopDecision[]> {
  const ids = [...new Set(chunks.map((c) => c.runId))];
  if (ids.length === 0) return [];
  const candidates = await prisma.$queryRaw<Candidate[]>`
    SELECT r.id::text AS id, r."sweepId"::text AS "sweepId", r.status::text AS status, r.attempt, r.spec, r.layers, r."stopReason",
      s.spec -> 'stopping' AS stopping,
      (SELECT t."outputStd" FROM "TraceEpoch" t WHERE t."runId" = r.id AND t.epoch = 0) AS "initialOutputStd"
    FROM "Run" r JOIN "Sweep" s ON s.id = r."sweepId"
    WHERE r.id = ANY(${ids}::uuid[]) AND jsonb_typeof(s.spec -> 'stopping') = 'object' AND r.status IN ('running', 'pruned')
    ORDER BY r.id`;
  const decisions: StopDecision[] = [];
  for (const run of candidates) {
    const records = chunks
      .filter((c) => c.runId === run.id && c.attempt === run.attempt)
      .flatMap((c) => c.records)
      .sort((a, b) => a.epoch - b.epoch);
    if (records.length === 0) continue;
    if (run.status === "pruned") {
      const reason = storedStopReason(run.id, run.stopReason);
      if (reason) decisions.push({ runId: run.id, sweepId: run.sweepId, reason });
      continue;
    }
    const stopping = StoredStoppingSchema.parse(run.stopping);
    if (!stopping) continue;
    const reason = await decideRun(prisma, run, stopping, storedSpec(run.id, run.spec), storedLayers(run.id, run.layers), records);
    if (reason) decisions.push({ runId: run.id, sweepId: run.sweepId, reason });
  }
  return decisions;
}

/** One run's new epochs through the rules, in one transaction holding its sweep's lock. */
async function decideRun(
  prisma: PrismaClient,
  run: Candidate,
  stopping: StoppingSpec,
  spec: RunSpec,
  layers: LayerInfo[] | null,
  records: readonly PackedEpoch[],
): Promise<StopReason | null> {
  const { epochs } = spec.training;
  const checks = checkEpochs(stopping, epochs).map((check) => ({ check, at: checkRecordEpoch(check, epochs, spec.tracing.every) }));
  const due = (record: PackedEpoch) => checks.filter((c) => c.at === record.epoch);
  const diagnosing = stopping.diagnoses && layers !== null;
  if (!records.some((r) => due(r).length > 0 || (diagnosing && r.epoch >= 1))) return null;

  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${run.sweepId}))`;
    for (const record of records) {
      const diagnosed = diagnosing ? diagnosisStop(spec, layers, run.initialOutputStd, unpackEpoch(record)) : null;
      if (diagnosed) return prune(tx, run, record, diagnosed);
      for (const { check } of due(record)) {
        const reason = await checkRun(tx, run, stopping, check, record);
        if (reason) return prune(tx, run, record, reason);
      }
    }
    return null;
  });
}

/** One check of one run: its stored decision, or a new one made against the values stored before it. */
async function checkRun(tx: Prisma.TransactionClient, run: Candidate, stopping: StoppingSpec, check: number, record: PackedEpoch): Promise<StopReason | null> {
  const [stored] = await tx.$queryRaw<Array<{ stopped: boolean }>>`SELECT stopped FROM "StopCheck" WHERE "runId" = ${run.id}::uuid AND epoch = ${check}`;
  // Checked before (a redelivered epoch, a retried attempt): a stop would have pruned the run already.
  if (stored) return null;
  const value = stoppingValue(stopping.metric, record);
  const values = (rows: Array<{ value: number }>) => rows.map((r) => Number(r.value));
  let verdict: Verdict;
  let compared: number;
  let shown = value;
  if (stopping.rule === "asha") {
    const earlier = values(await tx.$queryRaw`SELECT value FROM "StopCheck" WHERE "sweepId" = ${run.sweepId}::uuid AND epoch = ${check} ORDER BY seq`);
    verdict = ashaVerdict(stopping, value, earlier);
    compared = earlier.length;
  } else {
    // Its best over every epoch traced so far, as Optuna compares a trial's best intermediate value.
    const traced = await tx.$queryRaw<Array<Pick<EpochRecord, StoppingMetric>>>`
      SELECT "trainLoss", "trainAccuracy", "valLoss", "valAccuracy" FROM "TraceEpoch" WHERE "runId" = ${run.id}::uuid AND epoch <= ${record.epoch}`;
    const soFar = [...traced.map((r) => stoppingValue(stopping.metric, r)), value];
    const completed = values(
      await tx.$queryRaw`SELECT c.value FROM "StopCheck" c JOIN "Run" r ON r.id = c."runId"
        WHERE c."sweepId" = ${run.sweepId}::uuid AND c.epoch = ${check} AND r.status = 'completed'`,
    );
    const [{ n }] = await tx.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM "Run" WHERE "sweepId" = ${run.sweepId}::uuid AND status = 'completed'`;
    verdict = medianVerdict(stopping, soFar, completed, n);
    compared = completed.length;
    shown = bestSoFar(stopping.metric, soFar);
  }
  await tx.$executeRaw`INSERT INTO "StopCheck" ("runId", "sweepId", epoch, value, stopped)
    VALUES (${run.id}::uuid, ${run.sweepId}::uuid, ${check}, ${floatText(value)}::float8, ${verdict.stop})`;
  if (!verdict.stop || verdict.threshold === null) return null;
  return {
    rule: stopping.rule as "asha" | "median",
    epoch: record.epoch,
    evidence: stopEvidence(stopping, check, record.epoch, shown, verdict.threshold, compared),
  };
}

/** Marks the run pruned with its reason; its final metrics are the deciding epoch's until its worker reports where it stopped. */
async function prune(tx: Prisma.TransactionClient, run: Candidate, record: PackedEpoch, reason: StopReason): Promise<StopReason | null> {
  const pruned =
    await tx.$executeRaw`UPDATE "Run" SET status = 'pruned', "stopReason" = ${JSON.stringify(reason)}::jsonb, "finishedAt" = now() AT TIME ZONE 'UTC',
      "trainLoss" = ${floatText(record.trainLoss)}::float8, "trainAccuracy" = ${floatText(record.trainAccuracy)}::float8,
      "valLoss" = ${floatText(record.valLoss)}::float8, "valAccuracy" = ${floatText(record.valAccuracy)}::float8
    WHERE id = ${run.id}::uuid AND attempt = ${run.attempt} AND status = 'running'`;
  return pruned > 0 ? reason : null;
}
