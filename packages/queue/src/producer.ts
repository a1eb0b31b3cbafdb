import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { RUN_TARGETS, type RunTarget } from "@gradtrace/core";
import { throttled } from "./connection.ts";
import { QUEUE_NAMES, runQueueName, type RunJob } from "./contracts.ts";
import { keys } from "./keys.ts";

/** A run that throws is retried this many times in all, with exponential backoff from 2 s. */
export const RUN_ATTEMPTS = 3;

/**
 * Run jobs: `jobId` is the run's id, so adding a run that is already queued does nothing. Finished
 * jobs stay a day, so a run is not enqueued twice while its results are still being recorded.
 */
export const RUN_JOB_OPTIONS = {
  attempts: RUN_ATTEMPTS,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { age: 86_400, count: 100_000 },
  removeOnFail: { age: 7 * 86_400 },
} as const satisfies JobsOptions;

/** The backoff type of result messages, whose schedule the recorder defines (capped exponential). */
export const RESULT_BACKOFF = "capped";

/**
 * Result messages: retried while the recorder cannot place them yet (an epoch that arrived before
 * the one it follows) or cannot write (the database is away; the recorder itself waits a minute
 * before handing a batch back): 1,000 attempts on the recorder's schedule outlast any outage
 * short of a day.
 */
export const RESULT_JOB_OPTIONS = {
  attempts: 1000,
  backoff: { type: RESULT_BACKOFF },
  removeOnComplete: true,
  removeOnFail: { count: 10_000 },
} as const satisfies JobsOptions;

/** The queues on one connection: runs to train, one queue per target, and results to record. */
export interface Queues {
  runs: Record<RunTarget, Queue>;
  results: Queue;
  close(): Promise<void>;
}

/** Opens the runs and results queues on `redis` (the caller owns and closes the connection), reporting their errors to `onError`. */
export function openQueues(redis: Redis, prefix: string, onError: (error: Error) => void): Queues {
  // The queues share one connection, so an outage reaches every queue at once: report it once.
  const report = throttled(onError);
  const runs = Object.fromEntries(RUN_TARGETS.map((t) => [t, new Queue(runQueueName(t), { connection: redis, prefix }).on("error", report)])) as Record<
    RunTarget,
    Queue
  >;
  const results = new Queue(QUEUE_NAMES.results, { connection: redis, prefix }).on("error", report);
  const all = [...Object.values(runs), results];
  return { runs, results, close: async () => void (await Promise.all(all.map((q) => q.close()))) };
}

/** Runs waiting, active and delayed, over the queues of every target: the queue's depth as a dashboard shows it. */
export async function runJobCounts(queues: Queues): Promise<{ waiting: number; active: number; delayed: number }> {
  const counts = await Promise.all(Object.values(queues.runs).map((q) => q.getJobCounts("waiting", "active", "delayed", "prioritized")));
  const sum = (k: string) => counts.reduce((s, c) => s + (c[k] ?? 0), 0);
  return { waiting: sum("waiting") + sum("prioritized"), active: sum("active"), delayed: sum("delayed") };
}

/** Adds run jobs with `addBulk` in chunks (one round trip each); a run already in the queue is not added again. */
export async function enqueueRuns(runs: Queue, jobs: readonly RunJob[], chunk = 1000): Promise<void> {
  for (let i = 0; i < jobs.length; i += chunk) {
    await runs.addBulk(jobs.slice(i, i + chunk).map((data) => ({ name: "run", data, opts: { ...RUN_JOB_OPTIONS, jobId: data.runId } })));
  }
}

/**
 * Removes runs' jobs that are waiting or delayed; active ones are locked by their worker and
 * stay (the worker stops them, seeing the sweep halted). Returns how many were removed.
 */
export async function removeRuns(runs: Queue, runIds: readonly string[], parallel = 64): Promise<number> {
  let removed = 0;
  for (let i = 0; i < runIds.length; i += parallel) {
    const counts = await Promise.all(runIds.slice(i, i + parallel).map((id) => runs.remove(id).catch(() => 0)));
    removed += counts.reduce((a, b) => a + b, 0);
  }
  return removed;
}

/**
 * Takes runs back from a worker known to be dead (its process is gone): each job's lock is
 * dropped and the job removed, so the run can be queued again at once instead of after its lease.
 */
export async function reclaimRuns(redis: Redis, runs: Queue, runIds: readonly string[]): Promise<void> {
  for (const id of runIds) {
    await redis.del(`${runs.toKey(id)}:lock`);
    await runs.remove(id).catch(() => 0);
  }
}

/** Why a sweep's runs must not train now. */
export type Halt = "cancelled" | "paused";

/** Marks a sweep halted: workers skip its runs at start and stop running ones (cancelled) or delay them (paused). */
export async function haltSweep(redis: Redis, prefix: string, sweepId: string, halt: Halt): Promise<void> {
  await redis.set(keys.halt(prefix, sweepId), halt, "EX", HALT_TTL_S);
}

/** Lifts a pause. */
export async function unhaltSweep(redis: Redis, prefix: string, sweepId: string): Promise<void> {
  await redis.del(keys.halt(prefix, sweepId));
}

/** How long halt marks stay: long after the last delivery of a run they concern could still arrive. */
const HALT_TTL_S = 7 * 86_400;

/** Marks runs pruned: their workers stop them within a poll, and a redelivered job is skipped. */
export async function pruneRuns(redis: Redis, prefix: string, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  const multi = redis.multi();
  for (const id of runIds) multi.set(keys.runHalt(prefix, id), "pruned", "EX", HALT_TTL_S);
  await multi.exec();
}

/** Which of these sweeps are halted, and why (one round trip). */
export async function haltedSweeps(redis: Redis, prefix: string, sweepIds: readonly string[]): Promise<Map<string, Halt>> {
  return (await halts(redis, prefix, sweepIds, [])).sweeps;
}

/** Which of these sweeps are halted (and why), and which of these runs are pruned, in one round trip. */
export async function halts(
  redis: Redis,
  prefix: string,
  sweepIds: readonly string[],
  runIds: readonly string[],
): Promise<{ sweeps: Map<string, Halt>; prunedRuns: Set<string> }> {
  if (sweepIds.length + runIds.length === 0) return { sweeps: new Map(), prunedRuns: new Set() };
  const values = await redis.mget([...sweepIds.map((id) => keys.halt(prefix, id)), ...runIds.map((id) => keys.runHalt(prefix, id))]);
  const sweeps = new Map(sweepIds.flatMap((id, i) => (values[i] ? [[id, values[i] as Halt] as const] : [])));
  return { sweeps, prunedRuns: new Set(runIds.filter((_, i) => values[sweepIds.length + i] !== null)) };
}
