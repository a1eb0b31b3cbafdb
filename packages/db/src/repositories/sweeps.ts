import { randomUUID } from "node:crypto";
import {
  DatasetSpecSchema,
  parseRunSpec,
  RUN_AXES,
  RUN_STATUSES,
  runAxisValues,
  SpecError,
  storedDataset,
  type PointsSpec,
  type RunAxis,
  type RunSpec,
} from "@gradtrace/core";
import type { PrismaClient } from "../client.ts";
import { NotFoundError } from "../errors.ts";
import { Prisma, type RunStatus, type SweepStatus } from "../generated/client.ts";
import { idents } from "../sql-params.ts";
import { contentHash, runKey } from "./run-key.ts";
import { storedSpec } from "./stored.ts";
import { z } from "zod";

/** A sweep to store: its name, the spec as submitted, and the RunSpecs it expands to. */
export interface NewSweep {
  name: string;
  spec: unknown;
  runs: readonly unknown[];
  /** The submitter's key: a second sweep with it is refused by the database (unique). */
  idempotencyKey?: string | undefined;
  /** The user who launched it (null: the local user, or the CLI). */
  launchedById?: string | null | undefined;
  /** Inline datasets the runs reference as stored ones (kept apart by the caller: see contentHash), by hash. */
  datasets?: ReadonlyMap<string, PointsSpec>;
}

/** The Postgres type of each axis's column in the Run table, as the runs' records are read into it. */
const AXIS_COLUMNS = {
  activation: "text",
  initializer: "text",
  depth: "int",
  width: "int",
  optimizer: "text",
  learningRate: "float8",
  dataset: "text",
  seed: "bigint",
} as const satisfies Record<RunAxis, string>;

/**
 * RunSpecs validated (SpecError names the bad field) and deduplicated by key, each with a new id,
 * in order of first appearance; an inline dataset is kept apart, once, by its content hash
 * (`datasets`), each run carrying a stored reference to it instead of its rows.
 */
function newRuns(inputs: readonly unknown[]): { rows: Array<{ id: string; key: string; spec: RunSpec }>; datasets: Map<string, PointsSpec> } {
  const byKey = new Map<string, { id: string; key: string; spec: RunSpec }>();
  const datasets = new Map<string, PointsSpec>();
  for (const input of inputs) {
    let spec = parseRunSpec(input);
    if (spec.dataset.name === "points") {
      const hash = contentHash(spec.dataset);
      datasets.set(hash, spec.dataset);
      spec = { ...spec, dataset: storedDataset(spec.dataset, hash) };
    }
    const key = runKey(spec);
    if (!byKey.has(key)) byKey.set(key, { id: randomUUID(), key, spec });
  }
  return { rows: [...byKey.values()], datasets };
}

/**
 * Keeps inline datasets once (a dataset stored before is kept as it was), and checks that every
 * stored reference the runs carry names one kept: a reference to none is a SpecError.
 */
async function keepDatasets(
  client: Prisma.TransactionClient | PrismaClient,
  datasets: ReadonlyMap<string, PointsSpec>,
  rows: ReturnType<typeof newRuns>["rows"],
) {
  if (datasets.size > 0) {
    await client.dataset.createMany({ data: [...datasets].map(([sha256, points]) => ({ sha256, points: points as object })), skipDuplicates: true });
  }
  const referenced = [...new Set(rows.flatMap((r) => (r.spec.dataset.name === "stored" ? [r.spec.dataset.sha256] : [])))].filter((h) => !datasets.has(h));
  if (referenced.length === 0) return;
  const kept = new Set((await client.dataset.findMany({ where: { sha256: { in: referenced } }, select: { sha256: true } })).map((d) => d.sha256));
  const unknown = referenced.filter((h) => !kept.has(h));
  if (unknown.length > 0) {
    throw new SpecError(
      unknown.map((h) => ({ path: "dataset", message: `no dataset is stored as sha256:${h}: give its points inline instead`, received: `sha256:${h}` })),
      "sweep spec",
    );
  }
}

/** The points of stored datasets, by hash (those not kept are left out). */
export async function datasetPoints(prisma: PrismaClient, hashes: readonly string[]): Promise<Map<string, PointsSpec>> {
  if (hashes.length === 0) return new Map();
  const rows = await prisma.dataset.findMany({ where: { sha256: { in: [...hashes] } } });
  return new Map(rows.map((r) => [r.sha256, PointsDatasetSchema.parse(r.points)]));
}

/** Deletes these stored datasets where no run uses them any more; returns the hashes deleted. */
export async function dropUnusedDatasets(prisma: PrismaClient, hashes: readonly string[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const hash of hashes) {
    const [used] = await prisma.$queryRaw<Array<{ used: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM "Run" WHERE spec -> 'dataset' ->> 'sha256' = ${hash}) AS used`;
    if (used?.used) continue;
    await prisma.dataset.deleteMany({ where: { sha256: hash } });
    dropped.push(hash);
  }
  return dropped;
}

/** The hashes of the stored datasets a sweep's runs train on. */
export async function sweepDatasets(prisma: PrismaClient, sweepId: string): Promise<string[]> {
  const rows = await prisma.$queryRaw<Array<{ sha256: string }>>`
    SELECT DISTINCT spec -> 'dataset' ->> 'sha256' AS sha256 FROM "Run"
    WHERE "sweepId" = ${sweepId}::uuid AND spec -> 'dataset' ->> 'name' = 'stored'`;
  return rows.map((r) => r.sha256);
}

/** A stored dataset's points as kept (the points variant of the core's dataset schema). */
const PointsDatasetSchema = DatasetSpecSchema.refine((d): d is PointsSpec => d.name === "points", "expected a points dataset");

/**
 * The one INSERT … SELECT of a sweep's new runs (of a search trial, when given), read from a
 * single JSON parameter; a run whose spec the sweep already has is skipped. Storing 10,000 runs
 * took ~4 s through Prisma's createMany here, ~1.6 s with ten unnest arrays, ~1.2 s with this.
 */
function insertRuns(client: Prisma.TransactionClient | PrismaClient, sweepId: string, rows: ReturnType<typeof newRuns>["rows"], trial: number | null) {
  const records = JSON.stringify(rows.map((r) => ({ id: r.id, key: r.key, spec: r.spec, ...runAxisValues(r.spec) })));
  const columns = RUN_AXES.map((a) => Prisma.sql`${Prisma.raw(`"${a}"`)} ${Prisma.raw(AXIS_COLUMNS[a])}`);
  return client.$executeRaw`
    INSERT INTO "Run" (id, "sweepId", key, spec, ${idents(RUN_AXES)}, "diagnosisKinds", trial)
    SELECT i.id, ${sweepId}::uuid, i.key, i.spec, ${idents(RUN_AXES)}, '{}', ${trial}::int
    FROM json_to_recordset(${records}::json) AS i(id uuid, key text, spec jsonb, ${Prisma.join(columns)})
    ON CONFLICT DO NOTHING`;
}

/**
 * How long a sweep's store may take. Prisma's default, 5 s, is about what 20,000 runs (the most a
 * sweep may have) took on this 2-core machine while it was busy (4.3 s): a large sweep would be
 * refused for the server's load, not for anything wrong with it.
 */
const SWEEP_STORE_TIMEOUT_MS = 60_000;

/**
 * Stores a sweep and all its runs in one transaction. RunSpecs are validated (SpecError names
 * the bad field) and deduplicated by key, so the same run is never stored twice; returns the
 * sweep id and the runs (ids and validated RunSpecs) in the order of first appearance.
 */
export async function createSweep(prisma: PrismaClient, sweep: NewSweep): Promise<{ sweepId: string; runIds: string[]; runs: QueuedRun[] }> {
  const sweepId = randomUUID();
  const { rows, datasets } = newRuns(sweep.runs);
  await keepDatasets(prisma, new Map([...(sweep.datasets ?? []), ...datasets]), rows);
  await prisma.$transaction(
    [
      prisma.sweep.create({
        data: {
          id: sweepId,
          name: sweep.name,
          spec: sweep.spec as object,
          idempotencyKey: sweep.idempotencyKey ?? null,
          launchedById: sweep.launchedById ?? null,
        },
      }),
      insertRuns(prisma, sweepId, rows, null),
    ],
    { timeout: SWEEP_STORE_TIMEOUT_MS },
  );
  return { sweepId, runIds: rows.map((r) => r.id), runs: rows.map((r) => ({ id: r.id, spec: r.spec, attempt: 0 })) };
}

/** A search trial as stored, with what its runs came to. */
export interface StoredTrial {
  number: number;
  /** The proposal on each dimension of the search space. */
  values: number[];
  /** Its runs, one per seed: status and final metrics (NaN for a diverged one). */
  runs: Array<{
    status: RunStatus;
    trainLoss: number | null;
    trainAccuracy: number | null;
    valLoss: number | null;
    valAccuracy: number | null;
    finishedAt: Date | null;
  }>;
}

/** A trial to add: its proposal and its runs' specs. */
export interface NewTrial {
  values: number[];
  runs: readonly unknown[];
}

const TrialValuesSchema = z.array(z.number());
const floatOrNull = (v: string | null) => (v === null ? null : Number(v));

/** A search's trials in order, each with its runs' statuses and final metrics. */
export async function sweepTrials(client: Prisma.TransactionClient | PrismaClient, sweepId: string): Promise<StoredTrial[]> {
  const rows = await client.$queryRaw<
    Array<{
      number: number;
      values: unknown;
      status: RunStatus | null;
      tl: string | null;
      ta: string | null;
      vl: string | null;
      va: string | null;
      finishedAt: Date | null;
    }>
  >`
    SELECT t.number, t.values, r.status::text AS status, r."trainLoss"::text AS tl, r."trainAccuracy"::text AS ta, r."valLoss"::text AS vl,
      r."valAccuracy"::text AS va, r."finishedAt"
    FROM "Trial" t LEFT JOIN "Run" r ON r."sweepId" = t."sweepId" AND r.trial = t.number
    WHERE t."sweepId" = ${sweepId}::uuid ORDER BY t.number, r.seed`;
  const trials = new Map<number, StoredTrial>();
  for (const row of rows) {
    const trial = trials.get(row.number) ?? { number: row.number, values: TrialValuesSchema.parse(row.values), runs: [] };
    trials.set(row.number, trial);
    if (row.status === null) continue;
    trial.runs.push({
      status: row.status,
      trainLoss: floatOrNull(row.tl),
      trainAccuracy: floatOrNull(row.ta),
      valLoss: floatOrNull(row.vl),
      valAccuracy: floatOrNull(row.va),
      finishedAt: row.finishedAt,
    });
  }
  return [...trials.values()];
}

/**
 * A search's next step, atomically: under a per-sweep lock, `plan` sees the sweep's status and
 * its trials so far (in order) and returns the trials to add, which are stored with their runs
 * (numbered on from the last). Concurrent recorders therefore never propose the same trial twice,
 * and a retried step finds what the first stored. Returns the sweep's runs that belong to a trial
 * and are still queued — the new ones, and any a crash kept from reaching the queue — to enqueue.
 */
export async function advanceTrials(
  prisma: PrismaClient,
  sweepId: string,
  plan: (state: { status: SweepStatus; trials: StoredTrial[] }) => NewTrial[],
): Promise<QueuedRun[]> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${sweepId}))`;
    const sweep = await tx.sweep.findUnique({ where: { id: sweepId }, select: { status: true } });
    if (!sweep) throw new NotFoundError("sweep", sweepId);
    const trials = await sweepTrials(tx, sweepId);
    let next = Math.max(-1, ...trials.map((t) => t.number)) + 1;
    for (const trial of plan({ status: sweep.status, trials })) {
      const number = next++;
      await tx.trial.create({ data: { sweepId, number, values: trial.values } });
      const { rows, datasets } = newRuns(trial.runs);
      await keepDatasets(tx, datasets, rows);
      await insertRuns(tx, sweepId, rows, number);
    }
    const queued = await tx.run.findMany({
      where: { sweepId, trial: { not: null }, status: "queued" },
      select: { id: true, spec: true, attempt: true },
      orderBy: [{ trial: "asc" }, { seed: "asc" }],
    });
    return queued.map((r) => ({ id: r.id, spec: storedSpec(r.id, r.spec), attempt: r.attempt }));
  });
}

/** Of the sweeps these runs belong to, those that search (their spec's sampling mode is "tpe"). */
export async function searchingSweeps(prisma: PrismaClient, runIds: readonly string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT s.id::text AS id FROM "Sweep" s JOIN "Run" r ON r."sweepId" = s.id
    WHERE r.id = ANY(${[...runIds]}::uuid[]) AND s.spec #>> '{sampling,mode}' = 'tpe' ORDER BY 1`;
  return rows.map((r) => r.id);
}

/** The sweep submitted with this idempotency key: its id, status and run count; undefined when there is none. */
export async function sweepByIdempotencyKey(prisma: PrismaClient, key: string): Promise<{ sweepId: string; status: SweepStatus; runs: number } | undefined> {
  const sweep = await prisma.sweep.findUnique({ where: { idempotencyKey: key }, select: { id: true, status: true, _count: { select: { runs: true } } } });
  return sweep ? { sweepId: sweep.id, status: sweep.status, runs: sweep._count.runs } : undefined;
}

/** Runs of a sweep by status. */
export type StatusCounts = Record<RunStatus, number>;

/** A sweep as listed: its row and its runs counted by status. */
export interface SweepSummary {
  id: string;
  name: string;
  status: SweepStatus;
  createdAt: Date;
  finishedAt: Date | null;
  notes: string;
  tags: string[];
  runs: StatusCounts & { total: number };
}

const emptyCounts = (): StatusCounts & { total: number } => ({ ...(Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as StatusCounts), total: 0 });

/**
 * Sweeps, newest first, with run counts by status (one grouped query for all of them); with
 * `text`, those whose name or notes hold it (any case) or that carry it as a tag.
 */
export async function listSweeps(prisma: PrismaClient, options: { take?: number; text?: string } = {}): Promise<SweepSummary[]> {
  const { text } = options;
  const sweeps = await prisma.sweep.findMany({
    where: text
      ? { OR: [{ name: { contains: text, mode: "insensitive" } }, { notes: { contains: text, mode: "insensitive" } }, { tags: { has: text } }] }
      : undefined,
    orderBy: { createdAt: "desc" },
    take: options.take ?? 100,
    select: { id: true, name: true, status: true, createdAt: true, finishedAt: true, notes: true, tags: true },
  });
  const counts = await prisma.run.groupBy({
    by: ["sweepId", "status"],
    where: { sweepId: { in: sweeps.map((s) => s.id) } },
    _count: { _all: true },
  });
  const bySweep = new Map(sweeps.map((s) => [s.id, emptyCounts()]));
  for (const c of counts) {
    const entry = bySweep.get(c.sweepId)!;
    entry[c.status] = c._count._all;
    entry.total += c._count._all;
  }
  return sweeps.map((s) => ({ ...s, runs: bySweep.get(s.id)! }));
}

/** One sweep with its spec, run counts and the epochs its runs trained so far (one grouped query); NotFoundError for an unknown id. */
export async function getSweep(prisma: PrismaClient, id: string) {
  const found = await prisma.sweep.findUnique({ where: { id }, include: { launchedBy: { select: { email: true } } } });
  if (!found) throw new NotFoundError("sweep", id);
  const { launchedBy, ...sweep } = found;
  const runs = emptyCounts();
  let epochsTrained = 0;
  for (const c of await prisma.run.groupBy({ by: ["status"], where: { sweepId: id }, _count: { _all: true }, _sum: { epochsDone: true } })) {
    runs[c.status] = c._count._all;
    runs.total += c._count._all;
    epochsTrained += c._sum.epochsDone ?? 0;
  }
  return { ...sweep, launchedBy: launchedBy?.email ?? null, runs, epochsTrained };
}

/**
 * A completed sweep's stamp, its finish time: its runs' results cannot change until it runs again
 * (a retry), which clears the stamp, and the next completion sets a new one. Null while the sweep
 * is not completed; NotFoundError when there is no such sweep.
 */
export async function completedStamp(prisma: PrismaClient, id: string): Promise<string | null> {
  const found = await prisma.sweep.findUnique({ where: { id }, select: { status: true, finishedAt: true } });
  if (!found) throw new NotFoundError("sweep", id);
  return found.status === "completed" && found.finishedAt ? found.finishedAt.toISOString() : null;
}

/** How many sweeps a user launched in the last `seconds` (the per-user launch limit). */
export async function recentLaunches(prisma: PrismaClient, userId: string, seconds: number): Promise<number> {
  return prisma.sweep.count({ where: { launchedById: userId, createdAt: { gte: new Date(Date.now() - seconds * 1000) } } });
}

/** What a researcher keeps with a sweep or a run after launching it (a sweep's name too); what is left out stays. */
export interface Annotation {
  name?: string;
  notes?: string;
  tags?: string[];
}

/** Renames a sweep or changes its notes or tags; NotFoundError for an unknown id. */
export async function annotateSweep(prisma: PrismaClient, id: string, change: Annotation): Promise<void> {
  const { count } = await prisma.sweep.updateMany({ where: { id }, data: change });
  if (count === 0) throw new NotFoundError("sweep", id);
}

/** Changes a run's notes or tags; NotFoundError for an unknown id. */
export async function annotateRun(prisma: PrismaClient, id: string, change: Omit<Annotation, "name">): Promise<void> {
  const { count } = await prisma.run.updateMany({ where: { id }, data: change });
  if (count === 0) throw new NotFoundError("run", id);
}

/**
 * Deletes a sweep with its runs, traces, stopping checks and trials (they cascade); returns how
 * many runs went. One statement, not a Prisma transaction: 20,000 runs' traces (a million epoch
 * rows) took 4.9–5.6 s to delete here, past the transaction timeout.
 */
export async function deleteSweepRows(prisma: PrismaClient, id: string): Promise<number> {
  // The count reads the snapshot the statement began with: the runs the delete takes with it.
  const [row] = await prisma.$queryRaw<[{ deleted: boolean; runs: number }]>`
    WITH gone AS (DELETE FROM "Sweep" WHERE id = ${id}::uuid RETURNING id)
    SELECT EXISTS (SELECT 1 FROM gone) AS deleted, (SELECT count(*)::int FROM "Run" WHERE "sweepId" = ${id}::uuid) AS runs`;
  if (!row.deleted) throw new NotFoundError("sweep", id);
  return row.runs;
}

/** Sets a sweep's status (finishedAt too when it reaches a final one). */
export async function setSweepStatus(prisma: PrismaClient, id: string, status: SweepStatus): Promise<void> {
  const final = status === "completed" || status === "cancelled" || status === "failed";
  const { count } = await prisma.sweep.updateMany({ where: { id }, data: { status, finishedAt: final ? new Date() : null } });
  if (count === 0) throw new NotFoundError("sweep", id);
}

/**
 * Brings the status of the sweeps these runs belong to up to date after runs moved: running once
 * a run has started, completed once none is queued or running. Paused, cancelled and final
 * sweeps keep theirs. One statement, which probes the (sweep, status) index rather than reading
 * every run of the sweep: the recorder makes it after every batch, and on a sweep of 20,000 runs
 * the aggregate it replaced took ~7 ms a call.
 */
export async function refreshSweepStatus(prisma: PrismaClient, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await prisma.$executeRaw`
    WITH touched AS (SELECT DISTINCT "sweepId" AS id FROM "Run" WHERE id = ANY(${[...runIds]}::uuid[])),
     state AS (
       SELECT t.id,
         EXISTS (SELECT 1 FROM "Run" r WHERE r."sweepId" = t.id AND r.status IN ('queued', 'running')) AS open,
         EXISTS (SELECT 1 FROM "Run" r WHERE r."sweepId" = t.id AND r.status IN (${Prisma.join(RUN_STATUSES.filter((s) => s !== "queued").map((s) => Prisma.sql`${s}::"RunStatus"`))})) AS begun
       FROM touched t
     )
     UPDATE "Sweep" s SET status = CASE WHEN NOT st.open THEN 'completed'::"SweepStatus" WHEN st.begun THEN 'running'::"SweepStatus" ELSE s.status END,
       "finishedAt" = CASE WHEN NOT st.open THEN now() AT TIME ZONE 'UTC' END
     FROM state st WHERE s.id = st.id AND s.status IN ('queued', 'running')`;
}

/** A run as the queue needs it to enqueue it again: its id, RunSpec and attempts so far. */
export interface QueuedRun {
  id: string;
  spec: RunSpec;
  attempt: number;
}

/** The runs of a sweep in these statuses, in creation order. */
export async function sweepRuns(prisma: PrismaClient, sweepId: string, statuses: readonly RunStatus[]): Promise<QueuedRun[]> {
  const rows = await prisma.run.findMany({
    where: { sweepId, status: { in: [...statuses] } },
    select: { id: true, spec: true, attempt: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((r) => ({ id: r.id, spec: storedSpec(r.id, r.spec), attempt: r.attempt }));
}

/**
 * Cancels a sweep: the sweep and every run not yet final (queued, running, failed) become
 * cancelled in one transaction; returns the ids of the runs that were queued or running, which
 * the queue must drop or stop.
 */
export async function cancelSweepRuns(prisma: PrismaClient, sweepId: string): Promise<string[]> {
  const [rows] = await prisma.$transaction([
    prisma.$queryRaw<Array<{ id: string; was: RunStatus }>>`
      UPDATE "Run" r SET status = 'cancelled', "finishedAt" = now() AT TIME ZONE 'UTC'
      FROM (SELECT id, status FROM "Run" WHERE "sweepId" = ${sweepId}::uuid AND status IN ('queued', 'running', 'failed') FOR UPDATE) old
      WHERE r.id = old.id RETURNING r.id::text AS id, old.status::text AS was`,
    prisma.sweep.updateMany({ where: { id: sweepId }, data: { status: "cancelled", finishedAt: new Date() } }),
  ]);
  return rows.filter((r) => r.was !== "failed").map((r) => r.id);
}

/** Puts a sweep's failed runs back in the queue's hands (failed → queued) and the sweep back to running; returns them. */
export async function requeueFailedRuns(prisma: PrismaClient, sweepId: string): Promise<QueuedRun[]> {
  const [rows] = await prisma.$transaction([
    prisma.$queryRaw<Array<{ id: string; spec: unknown; attempt: number }>>`
      UPDATE "Run" SET status = 'queued', error = NULL, "finishedAt" = NULL
      WHERE "sweepId" = ${sweepId}::uuid AND status = 'failed' RETURNING id::text AS id, spec, attempt`,
    prisma.sweep.updateMany({
      where: { id: sweepId, status: { in: ["completed", "failed", "running", "queued"] } },
      data: { status: "running", finishedAt: null },
    }),
  ]);
  return rows.map((r) => ({ ...r, spec: storedSpec(r.id, r.spec) }));
}

/** The best completed run of a sweep: highest validation accuracy (training accuracy without validation). */
export interface BestRun {
  id: string;
  activation: string;
  initializer: string;
  depth: number;
  valAccuracy: number | null;
  trainAccuracy: number | null;
}

/** Each sweep's best completed run so far (one query for all the sweeps). */
export async function bestRuns(prisma: PrismaClient, sweepIds: readonly string[]): Promise<Map<string, BestRun>> {
  if (sweepIds.length === 0) return new Map();
  const rows = await prisma.$queryRaw<Array<BestRun & { sweepId: string }>>`
    SELECT DISTINCT ON ("sweepId") "sweepId"::text AS "sweepId", id::text AS id, activation, initializer, depth, "valAccuracy", "trainAccuracy"
    FROM "Run" WHERE "sweepId" = ANY(${[...sweepIds]}::uuid[]) AND status = 'completed'
    ORDER BY "sweepId", COALESCE(NULLIF("valAccuracy", 'NaN'), NULLIF("trainAccuracy", 'NaN'), -1) DESC`;
  return new Map(rows.map(({ sweepId, ...best }) => [sweepId, best]));
}
