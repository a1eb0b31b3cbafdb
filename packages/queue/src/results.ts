import { SpecError } from "@gradtrace/core";
import { describeError, type Logger } from "@gradtrace/log";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { connectRedis, throttled, type Redis } from "./connection.ts";
import { parseResultMessage, QUEUE_NAMES, type ResultMessage } from "./contracts.ts";
import { pruneRuns } from "./producer.ts";

/** A result that arrived before one it follows: retried soon, as what it waits for is usually in flight. */
export class RetrySoonError extends Error {
  override name = "RetrySoonError";
}

/** A result that can never be written (malformed, or contradicting what is stored): failed for good, not retried. */
export class RefusedResultError extends UnrecoverableError {
  override name = "RefusedResultError";
}

/**
 * When a result message is tried again: a RetrySoonError soon (50 ms doubling to 1 s: the message
 * it waits for is usually being written by another batch or recorder), any other failure — the
 * database stayed away — later (1 s doubling to 30 s).
 */
export function resultBackoff(attemptsMade: number, _type?: string, error?: Error): number {
  const n = Math.min(attemptsMade, 16);
  return error?.name === "RetrySoonError" ? Math.min(1000, 50 * 2 ** n) : Math.min(30_000, 1000 * 2 ** n);
}

/** What consuming the results queue needs. */
export interface ResultsOptions {
  redisUrl: string;
  prefix: string;
  /** Messages handled at once. */
  concurrency: number;
  logger: Logger;
  /** Writes one message; a rejection fails its job: RetrySoonError and others are retried, RefusedResultError is not. */
  handle(message: ResultMessage): Promise<void>;
  /** A message's lease and how often lapsed leases are looked for (BullMQ's defaults, 30 s each, when not given). */
  lockMs?: number;
  stalledMs?: number;
}

/**
 * How many times a message may stall (its lease lapsed while the recorder was too busy to renew
 * it: a flood, a long GC) and go back to the queue before BullMQ fails it for good. Writes are
 * idempotent, so a redelivery costs a repeated write; a failed message would lose its epochs.
 */
export const RESULT_MAX_STALLS = 20;

/**
 * Consumes the results queue on one worker connection: each job's message is checked against the
 * contract (an invalid one is refused for good, logged with why) and handed to `handle`. Resolves
 * once it is ready; `pruneRuns` tells the runs' workers to stop them, and `redis` (the same
 * connection) carries what else the recorder sends, such as a search's new runs;
 * `close` stops taking messages, lets those in hand finish and disconnects.
 */
export async function consumeResults(
  options: ResultsOptions,
): Promise<{ redis: Redis; pruneRuns(runIds: readonly string[]): Promise<void>; close(): Promise<void> }> {
  const log = options.logger;
  const processor = async (job: Job): Promise<void> => {
    let message: ResultMessage;
    try {
      message = parseResultMessage(job.data);
    } catch (error) {
      if (error instanceof SpecError) throw new RefusedResultError(error.message);
      throw error;
    }
    await options.handle(message);
  };
  const redis = connectRedis(options.redisUrl, "worker", (err) => log.error({ err }, `redis: ${describeError(err)}`));
  const worker = new Worker(QUEUE_NAMES.results, processor, {
    connection: redis,
    prefix: options.prefix,
    concurrency: options.concurrency,
    maxStalledCount: RESULT_MAX_STALLS,
    ...(options.lockMs ? { lockDuration: options.lockMs } : {}),
    ...(options.stalledMs ? { stalledInterval: options.stalledMs } : {}),
    settings: { backoffStrategy: resultBackoff },
  });
  worker.on(
    "error",
    throttled((err) => log.error({ err }, `results queue: ${describeError(err)}`)),
  );
  worker.on("failed", (job, err) => {
    if (!(err instanceof UnrecoverableError) && !(job && job.attemptsMade >= (job.opts.attempts ?? 1))) return;
    const data = job?.data as { runId?: unknown; attempt?: unknown } | undefined;
    log.warn({ runId: data?.runId, attempt: data?.attempt, message: job?.name, err }, `result ${job?.name ?? "?"} refused: ${describeError(err)}`);
  });
  await worker.waitUntilReady();
  return {
    redis,
    pruneRuns: (runIds) => pruneRuns(redis, options.prefix, runIds),
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}
