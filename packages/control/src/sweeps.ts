import { decisionEpochs, metricCost, storedDataset, type PointsSpec } from "@gradtrace/core";
import {
  advanceTrials,
  cancelSweepRuns,
  contentHash,
  createSweep,
  datasetPoints,
  deleteSweepRows,
  dropUnusedDatasets,
  getSweep,
  releaseRun,
  requeueFailedRuns,
  setSweepStatus,
  sweepByIdempotencyKey,
  sweepDatasets,
  sweepRuns,
  type NewTrial,
  type PrismaClient,
  type QueuedRun,
  type StoredTrial,
} from "@gradtrace/db";
import {
  connectRedis,
  dropDatasets,
  enqueueRuns,
  expandSweep,
  haltSweep,
  isQueueUnreachable,
  missingDatasets,
  openQueues,
  parseSweepSpec,
  QueueUnreachableError,
  reachQueue,
  PAYLOAD_VERSION,
  proposeTrial,
  putDatasets,
  reclaimRuns,
  removeRuns,
  runCount,
  searchSpace,
  storedHashes,
  SweepSpecSchema,
  trialObjective,
  trialRuns,
  unhaltSweep,
  type Queues,
  type SweepSpec,
} from "@gradtrace/queue";
import { SpecError, SWEEP_ACTIONS, sweepActionAllowed, type SweepAction } from "@gradtrace/core";
import { describeError, type Logger } from "@gradtrace/log";
import { audit, type Principal } from "./accounts.ts";
import type { Redis } from "@gradtrace/queue";

/** What sweep control needs: the database, a producer connection and the queues on it. */
export interface Control {
  prisma: PrismaClient;
  redis: Redis;
  prefix: string;
  queues: Queues;
}

/** Opens the producer side of a Control on `prisma`: one fail-fast Redis connection and the queues on it. */
export function openControl(prisma: PrismaClient, redisUrl: string, prefix: string, log: Logger): Control & { close(): Promise<void> } {
  const redis = connectRedis(redisUrl, "producer", (err) => log.error({ err }, `redis: ${describeError(err)}`));
  const queues = openQueues(redis, prefix, (err) => log.error({ err }, `queue: ${describeError(err)}`));
  return {
    prisma,
    redis,
    prefix,
    queues,
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}

/** The runs queue of a stored sweep's target. */
const runsQueue = (control: Control, spec: SweepSpec) => control.queues.runs[spec.device];

/**
 * A stored sweep with its spec checked against the schema (it was stored parsed, defaults filled
 * in): a spec that no longer validates names the sweep and field instead of flowing on as
 * something else. NotFoundError for an unknown id.
 */
export async function loadSweep(prisma: PrismaClient, sweepId: string): Promise<Omit<Awaited<ReturnType<typeof getSweep>>, "spec"> & { spec: SweepSpec }> {
  const sweep = await getSweep(prisma, sweepId);
  const parsed = SweepSpecSchema.safeParse(sweep.spec);
  if (!parsed.success)
    throw new Error(
      `sweep ${sweepId}: its stored spec does not validate: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  return { ...sweep, spec: parsed.data };
}

/** A sweep action its current status does not allow (resuming a cancelled sweep, say). */
export class SweepStateError extends Error {
  override name = "SweepStateError";
}

/** Throws SweepStateError unless SWEEP_ACTIONS lets `action` act on a sweep in `status`. */
function allow(action: SweepAction, sweepId: string, status: string): void {
  if (!sweepActionAllowed(action, status)) {
    throw new SweepStateError(`sweep ${sweepId} is ${status}; ${action} acts on a sweep that is ${SWEEP_ACTIONS[action].join(", ")}`);
  }
}

/** How long enqueueing may take beyond 1 ms a run (10,000 runs take ~0.4 s) before the queue counts as gone. */
const ENQUEUE_WAIT_MS = 3000;

/**
 * Queues runs; a queue that stalls (BullMQ waits for a lost connection without end) fails with
 * QueueUnreachableError after ENQUEUE_WAIT_MS + 1 ms a run. A late add that lands after all is
 * harmless: job ids are run ids, so queueing the same runs again on resume adds nothing twice.
 */
export async function enqueue(control: Control, sweepId: string, sweep: SweepSpec, runs: readonly QueuedRun[]): Promise<void> {
  const { device, stopping } = sweep;
  // The stored datasets the runs train on go to Redis first (once each), where workers read them.
  const missing = await missingDatasets(control.redis, control.prefix, storedHashes(runs.map((r) => r.spec)));
  await putDatasets(control.redis, control.prefix, await datasetPoints(control.prisma, missing));
  const work = enqueueRuns(
    control.queues.runs[device],
    runs.map((r) => ({ v: PAYLOAD_VERSION, runId: r.id, sweepId, spec: r.spec, device, attemptBase: r.attempt, sendAt: decisionEpochs(stopping, r.spec) })),
  );
  work.catch(() => undefined);
  const ms = ENQUEUE_WAIT_MS + runs.length;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnreachableError(`the queue did not take ${runs.length} runs within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Validates a sweep spec (SpecError names each bad field), expands it, checks that the queue
 * answers (QueueUnreachableError otherwise, with nothing stored), stores the sweep and its runs,
 * then enqueues the runs. Should Redis go away in between, SubmitIncompleteError names the stored
 * sweep, whose runs stay queued in the database until `resumeSweep` enqueues them.
 * With an idempotency key (the spec's `idempotencyKey`, or `options.idempotencyKey` from a
 * header) already used, it stores nothing and answers that sweep (`replayed: true`), queueing
 * again whatever of it is still queued — so a retried submit also finishes an incomplete one.
 */
export async function submitSweep(
  control: Control,
  input: unknown,
  options: { idempotencyKey?: string | undefined; by?: Actor } = {},
): Promise<{ sweepId: string; runs: number; replayed?: true }> {
  const by = options.by ?? CLI_ACTOR;
  const spec = parseSweepSpec(input);
  const key = options.idempotencyKey ?? spec.idempotencyKey;
  if (options.idempotencyKey !== undefined && spec.idempotencyKey !== undefined && options.idempotencyKey !== spec.idempotencyKey) {
    throw new SpecError(
      [{ path: "idempotencyKey", message: "differs from the Idempotency-Key header; give one key", received: JSON.stringify(spec.idempotencyKey) }],
      "sweep spec",
    );
  }
  const replay = async () => {
    const first = key === undefined ? undefined : await sweepByIdempotencyKey(control.prisma, key);
    if (!first) return undefined;
    if (first.status === "queued" || first.status === "running") {
      await reachQueue(control.redis);
      await enqueue(control, first.sweepId, spec, await sweepRuns(control.prisma, first.sweepId, ["queued"]));
    }
    return { sweepId: first.sweepId, runs: first.runs, replayed: true as const };
  };
  const replayed = await replay();
  if (replayed) return replayed;
  await reachQueue(control.redis);
  let created: Awaited<ReturnType<typeof createSweep>>;
  try {
    const { detached, datasets } = detachDatasets(spec);
    created = await createSweep(control.prisma, { name: spec.name, spec, runs: expandSweep(detached), datasets, idempotencyKey: key, launchedById: by.id });
  } catch (error) {
    // The same key submitted twice at once: the database kept the first.
    if ((error as { code?: unknown }).code === "P2002") {
      const first = await replay();
      if (first) return first;
    }
    throw error;
  }
  const { sweepId, runs } = created;
  await audited(control, by, "launch", sweepId, { name: spec.name, runs: runs.length });
  try {
    await enqueue(control, sweepId, spec, runs);
    await advanceSearch(control, sweepId);
  } catch (error) {
    if (isQueueUnreachable(error)) throw new SubmitIncompleteError(sweepId, error);
    throw error;
  }
  return { sweepId, runs: spec.sampling.mode === "tpe" ? runCount(spec) : runs.length };
}

/**
 * A search's next step (nothing for a grid or random sweep): while the sweep is queued or
 * running, proposes trials until `parallelism` are in flight or `trials` have been proposed —
 * each with TPE over the trials finished so far, in the order they finished — stores them with
 * their runs (one per seed) and enqueues every queued run of the search. Called at submit, on
 * resume, and by the recorder whenever a run of a searching sweep settles; safe to repeat.
 */
export async function advanceSearch(control: Control, sweepId: string): Promise<void> {
  const { spec, runs } = await planSearch(control.prisma, sweepId);
  await enqueue(control, sweepId, spec, runs);
}

/** advanceSearch's database part: the trials proposed and stored, and the search's queued runs to enqueue. */
export async function planSearch(prisma: PrismaClient, sweepId: string): Promise<{ spec: SweepSpec; runs: QueuedRun[] }> {
  const { spec } = await loadSweep(prisma, sweepId);
  const { sampling } = spec;
  if (sampling.mode !== "tpe") return { spec, runs: [] };
  const dims = searchSpace(spec);
  const runs = await advanceTrials(prisma, sweepId, ({ status, trials }) => {
    if (status !== "queued" && status !== "running") return [];
    const open = (t: StoredTrial) => t.runs.some((r) => r.status === "queued" || r.status === "running");
    const settledAt = (t: StoredTrial) => Math.max(...t.runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const finished = trials.filter((t) => !open(t)).sort((a, b) => settledAt(a) - settledAt(b) || a.number - b.number);
    const observations = finished.map((t) => ({ values: t.values, cost: metricCost(sampling.objective, trialObjective(sampling.objective, t)) }));
    const room = Math.min(sampling.parallelism - trials.filter(open).length, sampling.trials - trials.length);
    const added: NewTrial[] = [];
    for (let i = 0; i < room; i++) {
      const earlier = [...trials.map((t) => t.values), ...added.map((t) => t.values)];
      const values = proposeTrial(sampling, dims, observations, earlier, trials.length + i);
      if (!values) break;
      added.push({ values, runs: trialRuns(spec, values) });
    }
    return added;
  });
  return { spec, runs };
}

/** A sweep stored whose runs could not all be queued: resuming it queues the rest. */
export class SubmitIncompleteError extends Error {
  override name = "SubmitIncompleteError";
  constructor(
    readonly sweepId: string,
    cause: unknown,
  ) {
    super(`sweep ${sweepId} is stored, but the queue went away before all its runs were queued; resume the sweep to queue them`, { cause });
  }
}

/**
 * The sweep with each inline dataset replaced by a stored reference (its content hash), and the
 * points by hash: its runs are stored and queued with the reference, the points kept once.
 */
function detachDatasets(spec: SweepSpec): { detached: SweepSpec; datasets: Map<string, PointsSpec> } {
  const datasets = new Map<string, PointsSpec>();
  const refs = spec.axes.datasets.map((d) => {
    if (d.name !== "points") return d;
    const hash = contentHash(d);
    datasets.set(hash, d);
    return storedDataset(d, hash);
  });
  return { detached: { ...spec, axes: { ...spec.axes, datasets: refs } }, datasets };
}

/** Who asked for a change: a user (a Principal), the local user, or the command line. */
export type Actor = Pick<Principal, "id" | "name">;
/** The actor of changes made with `gradtrace sweep` (it holds the database's credentials). */
export const CLI_ACTOR: Actor = { id: null, name: "cli" };

function audited(control: Control, by: Actor, action: string, sweepId: string, detail?: Record<string, unknown>): Promise<void> {
  return audit(control.prisma, { userId: by.id, actor: by.name, action: `sweep.${action}`, target: sweepId, ...(detail ? { detail } : {}) });
}

/**
 * Queues again at once the runs a process that died was training (the workers whose ids begin
 * with `workerIdPrefix`): without this they would show `running` until their leases lapse. Each
 * goes back to `queued` and gets a new job; returns how many.
 */
export async function requeueRunsOf(control: Control, workerIdPrefix: string): Promise<number> {
  const stranded = await control.prisma.run.findMany({
    where: { status: "running", workerId: { startsWith: workerIdPrefix } },
    select: { id: true, sweepId: true, attempt: true },
  });
  for (const sweepId of new Set(stranded.map((r) => r.sweepId))) {
    const mine = stranded.filter((r) => r.sweepId === sweepId);
    const sweep = await loadSweep(control.prisma, sweepId);
    await reclaimRuns(
      control.redis,
      runsQueue(control, sweep.spec),
      mine.map((r) => r.id),
    );
    for (const r of mine) await releaseRun(control.prisma, r.id, r.attempt);
    const ids = new Set(mine.map((r) => r.id));
    await enqueue(
      control,
      sweepId,
      sweep.spec,
      (await sweepRuns(control.prisma, sweepId, ["queued"])).filter((r) => ids.has(r.id)),
    );
  }
  return stranded.length;
}

/** Cancels a sweep: its waiting runs never start, its running ones stop within a second, all are cancelled. */
export async function cancelSweep(control: Control, sweepId: string, by: Actor = CLI_ACTOR): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  allow("cancel", sweepId, sweep.status);
  await stopOpenRuns(control, sweepId, sweep.spec);
  await audited(control, by, "cancel", sweepId);
}

async function stopOpenRuns(control: Control, sweepId: string, spec: SweepSpec): Promise<void> {
  // Halt first: a worker taking one of the runs from now on skips it.
  await haltSweep(control.redis, control.prefix, sweepId, "cancelled");
  const open = await cancelSweepRuns(control.prisma, sweepId);
  await removeRuns(runsQueue(control, spec), open);
}

/**
 * Deletes a sweep with its runs and traces, whatever its status: open runs are cancelled first
 * (workers stop them; results still on their way are dropped as for an unknown run). Returns how
 * many runs went.
 */
export async function deleteSweep(control: Control, sweepId: string, by: Actor = CLI_ACTOR): Promise<number> {
  const sweep = await loadSweep(control.prisma, sweepId);
  if (sweepActionAllowed("cancel", sweep.status)) await stopOpenRuns(control, sweepId, sweep.spec);
  const datasets = await sweepDatasets(control.prisma, sweepId);
  const runs = await deleteSweepRows(control.prisma, sweepId);
  // Datasets no other sweep's runs use go from Postgres and Redis.
  await dropDatasets(control.redis, control.prefix, await dropUnusedDatasets(control.prisma, datasets));
  await audited(control, by, "delete", sweepId, { name: sweep.name, runs });
  return runs;
}

/** Pauses a sweep: its waiting runs leave the queue (running ones finish); resumeSweep brings them back. */
export async function pauseSweep(control: Control, sweepId: string, by: Actor = CLI_ACTOR): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  allow("pause", sweepId, sweep.status);
  await haltSweep(control.redis, control.prefix, sweepId, "paused");
  await setSweepStatus(control.prisma, sweepId, "paused");
  await removeRuns(
    runsQueue(control, sweep.spec),
    (await sweepRuns(control.prisma, sweepId, ["queued"])).map((r) => r.id),
  );
  await audited(control, by, "pause", sweepId);
}

/** Resumes a paused sweep, or re-enqueues a sweep's queued runs whose enqueueing failed. */
export async function resumeSweep(control: Control, sweepId: string, by: Actor = CLI_ACTOR): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  allow("resume", sweepId, sweep.status);
  await unhaltSweep(control.redis, control.prefix, sweepId);
  await setSweepStatus(control.prisma, sweepId, sweep.runs.running + sweep.runs.completed + sweep.runs.failed > 0 ? "running" : "queued");
  await enqueue(control, sweepId, sweep.spec, await sweepRuns(control.prisma, sweepId, ["queued"]));
  await advanceSearch(control, sweepId);
  await audited(control, by, "resume", sweepId);
}

/** Retries a sweep's failed runs: each starts a new attempt. Returns how many. */
export async function retryFailedRuns(control: Control, sweepId: string, by: Actor = CLI_ACTOR): Promise<number> {
  const sweep = await loadSweep(control.prisma, sweepId);
  allow("retry", sweepId, sweep.status);
  const runs = await requeueFailedRuns(control.prisma, sweepId);
  // The failed jobs keep their ids; remove them so the runs can be enqueued again.
  await removeRuns(
    runsQueue(control, sweep.spec),
    runs.map((r) => r.id),
  );
  await enqueue(control, sweepId, sweep.spec, runs);
  await audited(control, by, "retry", sweepId, { runs: runs.length });
  return runs.length;
}
