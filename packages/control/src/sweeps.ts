import { cancelSweepRuns, createSweep, getSweep, requeueFailedRuns, setSweepStatus, sweepRuns, type PrismaClient, type QueuedRun } from "@gradtrace/db";
import {
  connectRedis,
  enqueueRuns,
  expandSweep,
  haltSweep,
  openQueues,
  parseSweepSpec,
  PAYLOAD_VERSION,
  removeRuns,
  SweepSpecSchema,
  unhaltSweep,
  type Queues,
  type SweepSpec,
} from "@gradtrace/queue";
import { describeError, type Logger } from "@gradtrace/log";
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

function enqueue(control: Control, sweepId: string, device: SweepSpec["device"], runs: readonly QueuedRun[]): Promise<void> {
  return enqueueRuns(
    control.queues.runs[device],
    runs.map((r) => ({ v: PAYLOAD_VERSION, runId: r.id, sweepId, spec: r.spec, device, attemptBase: r.attempt })),
  );
}

/**
 * Validates a sweep spec (SpecError names each bad field), expands it, stores the sweep and its
 * runs, then enqueues the runs. Should enqueueing fail (Redis away), the runs stay queued in the
 * database and `resumeSweep` enqueues them.
 */
export async function submitSweep(control: Control, input: unknown): Promise<{ sweepId: string; runs: number }> {
  const spec = parseSweepSpec(input);
  const { sweepId, runs } = await createSweep(control.prisma, { name: spec.name, spec, runs: expandSweep(spec) });
  await enqueue(control, sweepId, spec.device, runs);
  return { sweepId, runs: runs.length };
}

/** Cancels a sweep: its waiting runs never start, its running ones stop within a second, all are cancelled. */
export async function cancelSweep(control: Control, sweepId: string): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  if (sweep.status === "completed") throw new SweepStateError(`sweep ${sweepId} is completed; there is nothing left to cancel`);
  // Halt first: a worker taking one of the runs from now on skips it.
  await haltSweep(control.redis, control.prefix, sweepId, "cancelled");
  const open = await cancelSweepRuns(control.prisma, sweepId);
  await removeRuns(runsQueue(control, sweep.spec), open);
}

/** Pauses a sweep: its waiting runs leave the queue (running ones finish); resumeSweep brings them back. */
export async function pauseSweep(control: Control, sweepId: string): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  if (sweep.status !== "queued" && sweep.status !== "running")
    throw new SweepStateError(`sweep ${sweepId} is ${sweep.status}; only a queued or running sweep can be paused`);
  await haltSweep(control.redis, control.prefix, sweepId, "paused");
  await setSweepStatus(control.prisma, sweepId, "paused");
  await removeRuns(
    runsQueue(control, sweep.spec),
    (await sweepRuns(control.prisma, sweepId, ["queued"])).map((r) => r.id),
  );
}

/** Resumes a paused sweep, or re-enqueues a sweep's queued runs whose enqueueing failed. */
export async function resumeSweep(control: Control, sweepId: string): Promise<void> {
  const sweep = await loadSweep(control.prisma, sweepId);
  if (sweep.status === "cancelled" || sweep.status === "completed")
    throw new SweepStateError(`sweep ${sweepId} is ${sweep.status}; only a paused, queued or running sweep can be resumed`);
  await unhaltSweep(control.redis, control.prefix, sweepId);
  await setSweepStatus(control.prisma, sweepId, sweep.runs.running + sweep.runs.completed + sweep.runs.failed > 0 ? "running" : "queued");
  await enqueue(control, sweepId, sweep.spec.device, await sweepRuns(control.prisma, sweepId, ["queued"]));
}

/** Retries a sweep's failed runs: each starts a new attempt. Returns how many. */
export async function retryFailedRuns(control: Control, sweepId: string): Promise<number> {
  const sweep = await loadSweep(control.prisma, sweepId);
  if (sweep.status === "cancelled") throw new SweepStateError(`sweep ${sweepId} is cancelled; its runs cannot be retried`);
  const runs = await requeueFailedRuns(control.prisma, sweepId);
  // The failed jobs keep their ids; remove them so the runs can be enqueued again.
  await removeRuns(
    runsQueue(control, sweep.spec),
    runs.map((r) => r.id),
  );
  await enqueue(control, sweepId, sweep.spec.device, runs);
  return runs.length;
}
