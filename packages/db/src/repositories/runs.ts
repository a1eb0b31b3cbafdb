import { gradientRatio, type EpochRecord, type LayerInfo, type TraceSummary } from "@gradtrace/core";
import type { PrismaClient } from "../client.ts";
import { DbError, IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "../errors.ts";
import type { Prisma, RunStatus } from "../generated/client.ts";
import { floatText } from "../sql-params.ts";

/**
 * The run state machine. A worker's start takes a queued run, or a running one whose worker died
 * (a stalled job handed to another worker); running may go back to queued when a worker hands a
 * run back on shutdown; only failed runs are retried; a stopping rule prunes running runs;
 * completed, cancelled, pruned and timed out are final.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ["running", "cancelled"],
  running: ["running", "completed", "failed", "cancelled", "queued", "pruned", "timed_out"],
  failed: ["queued"],
  completed: [],
  cancelled: [],
  pruned: [],
  timed_out: [],
};

const sources = (to: RunStatus): RunStatus[] => (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) => RUN_TRANSITIONS[from].includes(to));

type Tx = Prisma.TransactionClient | PrismaClient;

/** A run's status and attempt as one read saw them, or null when there is no such run. */
type RunAt = { status: RunStatus; attempt: number } | null;

const readRun = (tx: Tx, id: string): Promise<RunAt> => tx.run.findUnique({ where: { id }, select: { status: true, attempt: true } });

/**
 * Why a write to `to` (of `attempt`) does not fit the run as `run` was read: no such run, a stale
 * or not yet started attempt, or an illegal move. Classified from that one read: a second read
 * could see a start committed in between and call an early write illegal.
 */
function refusalOf(run: RunAt, id: string, to: RunStatus, attempt?: number): DbError {
  if (!run) return new NotFoundError("run", id);
  // A final run refuses everything, whatever the attempt: no later write can make it fit.
  if (RUN_TRANSITIONS[run.status].length === 0) return new IllegalTransitionError(id, run.status, to, []);
  if (attempt !== undefined && run.attempt !== attempt) return new StaleAttemptError(id, attempt, run.attempt);
  return new IllegalTransitionError(id, run.status, to, RUN_TRANSITIONS[run.status]);
}

/**
 * Moves a run to `to` when the state machine allows it from its current status (and, with
 * `attempt`, only for that attempt), atomically; throws NotFoundError, StaleAttemptError or
 * IllegalTransitionError otherwise.
 */
export async function transitionRun(prisma: Tx, id: string, to: RunStatus, data: Prisma.RunUpdateManyMutationInput = {}, attempt?: number): Promise<void> {
  const where = { id, status: { in: sources(to) }, ...(attempt === undefined ? {} : { attempt }) };
  const { count } = await prisma.run.updateMany({ where, data: { ...data, status: to } });
  if (count === 0) throw refusalOf(await readRun(prisma, id), id, to, attempt);
}

/** A worker starting a run. */
export interface RunStart {
  id: string;
  workerId: string;
  device: string;
  layers: readonly LayerInfo[];
  /** The attempt this start begins, as the queue numbers deliveries; by default the run's next. */
  attempt?: number;
}

/**
 * Workers start runs: each begins a new attempt (running, at the given attempt or the next one)
 * and the trace rows of its earlier attempts are dropped in the same statement, so a retry never
 * interleaves with the attempt it replaces. A start of the attempt already running is a
 * redelivery and changes nothing; one older than the run's attempt is stale, one newer than a
 * final run's is refused. One statement for the whole batch (a recorder writes what arrived
 * together); per run, its attempt number or why it could not start.
 */
export async function startRuns(prisma: PrismaClient, starts: readonly RunStart[]): Promise<Array<number | DbError>> {
  const ids = starts.map((r) => r.id);
  const workers = starts.map((r) => r.workerId);
  const devices = starts.map((r) => r.device);
  const layers = starts.map((r) => JSON.stringify(r.layers));
  const attempts = starts.map((r) => r.attempt ?? null);
  const rows = await prisma.$queryRaw<Array<{ id: string; status: RunStatus | null; attempt: number | null; started: number | null }>>`
    WITH input AS (
      SELECT * FROM unnest(${ids}::uuid[], ${workers}::text[], ${devices}::text[], ${layers}::text[], ${attempts}::int[]) AS i(id, worker, device, layers, attempt)
    ), prev AS (
      SELECT r.id, r.status, r.attempt FROM "Run" r WHERE r.id IN (SELECT id FROM input) ORDER BY r.id FOR UPDATE
    ), started AS (
      UPDATE "Run" r SET status = 'running', attempt = COALESCE(i.attempt, r.attempt + 1), "workerId" = i.worker, device = i.device, layers = i.layers::jsonb,
        "startedAt" = now() AT TIME ZONE 'UTC', "finishedAt" = NULL, "epochsDone" = 0, error = NULL
      FROM input i, prev p WHERE r.id = i.id AND p.id = i.id AND p.status::text = ANY(${sources("running")}::text[]) AND (i.attempt IS NULL OR i.attempt > p.attempt)
      RETURNING r.id, r.attempt
    ), dropped AS (
      DELETE FROM "TraceEpoch" t USING started s WHERE t."runId" = s.id
    )
    SELECT i.id::text AS id, p.status::text AS status, p.attempt, s.attempt AS started
    FROM input i LEFT JOIN prev p ON p.id = i.id LEFT JOIN started s ON s.id = i.id`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return starts.map(({ id, attempt }) => {
    const row = byId.get(id);
    if (row?.started != null) return row.started;
    if (!row?.status || row.attempt === null) return new NotFoundError("run", id);
    if (attempt !== undefined && attempt < row.attempt) return new StaleAttemptError(id, attempt, row.attempt);
    if (attempt === row.attempt && row.status === "running") return attempt;
    return new IllegalTransitionError(id, row.status, "running", RUN_TRANSITIONS[row.status]);
  });
}

/** Starts one run (see startRuns); throws why it could not, else returns the new attempt number. */
export async function startRun(prisma: PrismaClient, id: string, worker: Omit<RunStart, "id">): Promise<number> {
  const [result] = await startRuns(prisma, [{ id, ...worker }]);
  if (result instanceof DbError) throw result;
  return result!;
}

/** Mean of the non-null values, or null when there are none. */
function mean(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

/** The end of one attempt: its summary and its last traced epoch. */
export interface RunEnd {
  id: string;
  attempt: number;
  summary: TraceSummary;
  last: EpochRecord;
}

/**
 * Records runs' ends (a diverged run completes too, diagnosed `diverged`): final metrics,
 * diagnoses, and from the last traced epoch the first/output gradient ratio and the hidden
 * layers' mean dead and saturated fractions, which the sweep grid aggregates. An end is recorded
 * only once its last traced epoch is stored (else an early TraceOrderError), and recording it
 * again changes nothing. A pruned run's end (its worker stopped it, or finished before it saw the
 * decision) records where it stopped; the run stays pruned. One statement for the batch; per run, nothing or why it was refused
 * (unknown, stale attempt, not running).
 */
export async function finishRuns(prisma: PrismaClient, ends: readonly RunEnd[]): Promise<Array<DbError | undefined>> {
  const finals = ends.map(({ summary, last }) => {
    const hidden = last.layers.slice(0, -1);
    return {
      trainLoss: summary.final.trainLoss,
      trainAccuracy: summary.final.trainAccuracy,
      valLoss: summary.final.valLoss,
      valAccuracy: summary.final.valAccuracy,
      ratio: gradientRatio(last.layers),
      dead: mean(hidden.map((l) => l.deadFraction)),
      saturated: mean(hidden.map((l) => l.saturatedFraction)),
    };
  });
  const column = (k: keyof (typeof finals)[number]) => finals.map((f) => floatText(f[k]));
  const ids = ends.map((e) => e.id);
  const attempts = ends.map((e) => e.attempt);
  const epochs = ends.map((e) => e.summary.epochsRun);
  const diagnoses = ends.map((e) => JSON.stringify(e.summary.diagnoses));
  const lastEpochs = ends.map((e) => e.last.epoch);
  const done = await prisma.$queryRaw<Array<{ id: string }>>`
    WITH input AS (
      SELECT * FROM unnest(${ids}::uuid[], ${attempts}::int[], ${epochs}::int[], ${column("trainLoss")}::text[], ${column("trainAccuracy")}::text[],
        ${column("valLoss")}::text[], ${column("valAccuracy")}::text[], ${column("ratio")}::text[], ${column("dead")}::text[], ${column("saturated")}::text[],
        ${diagnoses}::text[], ${lastEpochs}::int[])
        AS i(id, attempt, epochs, tl, ta, vl, va, ratio, dead, sat, diagnoses, last)
    )
    UPDATE "Run" r SET status = CASE WHEN r.status = 'pruned' THEN 'pruned'::"RunStatus" ELSE 'completed'::"RunStatus" END,
      "finishedAt" = now() AT TIME ZONE 'UTC', "epochsDone" = i.epochs,
      "trainLoss" = i.tl::float8, "trainAccuracy" = i.ta::float8, "valLoss" = i.vl::float8, "valAccuracy" = i.va::float8,
      "gradientRatio" = i.ratio::float8, "deadFraction" = i.dead::float8, "saturatedFraction" = i.sat::float8,
      diagnoses = i.diagnoses::jsonb, "diagnosisKinds" = ARRAY(SELECT jsonb_array_elements(i.diagnoses::jsonb) ->> 'kind')
    FROM input i WHERE r.id = i.id AND r.attempt = i.attempt AND (r.status::text = ANY(${sources("completed")}::text[]) OR r.status = 'pruned')
      AND EXISTS (SELECT 1 FROM "TraceEpoch" t WHERE t."runId" = r.id AND t.epoch = i.last)
    RETURNING r.id::text AS id`;
  const finished = new Set(done.map((d) => d.id));
  return Promise.all(ends.map(async (e) => (finished.has(e.id) ? undefined : endRefusal(prisma, e))));
}

/** Why an end was not recorded, or nothing when it already was (a redelivered end). */
async function endRefusal(prisma: PrismaClient, end: RunEnd): Promise<DbError | undefined> {
  const run = await readRun(prisma, end.id);
  if (run?.attempt === end.attempt && run.status === "completed") return undefined;
  if (run?.attempt === end.attempt && (run.status === "running" || run.status === "pruned")) {
    return new TraceOrderError(`run ${end.id}: its end arrived before its last traced epoch ${end.last.epoch}`, true);
  }
  return refusalOf(run, end.id, "completed", end.attempt);
}

/** Records one run's end (see finishRuns); throws why it was refused. */
export async function finishRun(prisma: PrismaClient, id: string, attempt: number, summary: TraceSummary, last: EpochRecord): Promise<void> {
  const [error] = await finishRuns(prisma, [{ id, attempt, summary, last }]);
  if (error) throw error;
}

/**
 * Records that an attempt failed with `error` (it may be retried: failed → queued), or, with
 * status `timed_out`, that it ran out of its time limit (final; its epochs stay). The attempt may
 * not have been recorded as started (a run that failed before its first epoch); recording the
 * same failure again changes nothing; a failure of an older attempt is stale.
 */
export async function failRun(prisma: Tx, id: string, attempt: number, error: string, status: "failed" | "timed_out" = "failed"): Promise<void> {
  const where = { id, status: { in: sources(status).concat("queued") }, attempt: { lte: attempt } };
  const { count } = await prisma.run.updateMany({ where, data: { status, attempt, error, finishedAt: new Date() } });
  if (count > 0) return;
  const run = await readRun(prisma, id);
  if (run?.status === status && run.attempt === attempt) return;
  throw refusalOf(run, id, status, attempt);
}

/** A worker hands a run back unfinished (it is shutting down): the attempt ends and the run waits again. */
export async function releaseRun(prisma: Tx, id: string, attempt: number): Promise<void> {
  await transitionRun(prisma, id, "queued", { finishedAt: null }, attempt);
}
