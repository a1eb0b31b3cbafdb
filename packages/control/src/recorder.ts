import { setTimeout as sleep } from "node:timers/promises";
import {
  appendEpochChunks,
  DbError,
  decideStops,
  failRun,
  finishRuns,
  refreshSweepStatus,
  releaseRun,
  searchingSweeps,
  StaleAttemptError,
  startRuns,
  TraceOrderError,
  type PrismaClient,
  type StopDecision,
} from "@gradtrace/db";
import { describeError, type Logger } from "@gradtrace/log";
import { consumeResults, openQueues, RefusedResultError, RetrySoonError, type Queues, type ResultMessage, type SweepSpec } from "@gradtrace/queue";
import { enqueue, planSearch, type Control } from "./sweeps.ts";

export interface RecorderOptions {
  redisUrl: string;
  prefix: string;
  prisma: PrismaClient;
  logger: Logger;
  /** Result messages held at once, and so the largest batch written in one go. */
  concurrency?: number;
  /** How long to keep retrying a batch while the database is unreachable before handing it back to the queue. */
  dbRetryMs?: number;
}

/** What a recorder did so far. */
export interface RecorderStats {
  /** Messages written. */
  written: number;
  /** Messages dropped as moot: a replaced attempt's, a cancelled or finished run's, an unknown run's. */
  dropped: number;
  /** Tries at which a message had arrived before what it follows (it is retried). */
  early: number;
  /** Batches retried because the database (or Redis, telling workers of a prune) was unreachable. */
  dbRetries: number;
  /** Runs the sweeps' stopping rules pruned. */
  pruned: number;
}

/** A running recorder. */
export interface Recorder {
  readonly stats: RecorderStats;
  /** Stops taking messages; those held are written first, or handed back if the database stays away. */
  close(): Promise<void>;
}

interface Held {
  message: ResultMessage;
  resolve: () => void;
  reject: (error: Error) => void;
  /** Batches it was early in: it is retried with the next batch a few times before going back to the queue. */
  early: number;
}

/** How many batches in a row an early message may wait in hand for what it follows. */
const EARLY_IN_HAND = 20;

/** A message's fate; `early` and `refused` fail its job with `error` (retried soon, or never). */
type Outcome = { kind: "written" } | { kind: "dropped"; why: string } | { kind: "early" | "refused"; error: Error };

/**
 * Starts the recorder: the one writer of run results. It consumes the results queue, gathers what
 * arrives together into batches and writes each batch with the data layer's batch writers, which
 * are idempotent: several recorders may run at once and a redelivered message changes nothing.
 * A message that arrived before one it follows (an epoch chunk before the run's start) goes back
 * to the queue to be retried; while the database is unreachable the batch waits and retries, so
 * nothing is lost.
 */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const { prisma } = options;
  const log = options.logger;
  const dbRetryMs = options.dbRetryMs ?? 60_000;
  const stats: RecorderStats = { written: 0, dropped: 0, early: 0, dbRetries: 0, pruned: 0 };
  const held: Held[] = [];
  /** Runs this recorder pruned or saw pruned, so that each is logged once (their late epochs decide again). */
  const pruned = new Set<string>();
  let flushing: Promise<void> | undefined;
  let closing = false;

  const flush = async () => {
    while (held.length > 0) {
      // Let the messages fetched together join one batch.
      await sleep(10);
      await writeWithRetry(held.splice(0));
    }
    flushing = undefined;
  };

  const writeWithRetry = async (batch: Held[]) => {
    const began = Date.now();
    for (let tries = 0; ; tries++) {
      try {
        const { outcomes, stops, searches } = await writeBatch(
          prisma,
          batch.map((h) => h.message),
        );
        // After the decisions and trials are stored: a failure here rewrites the batch, which finds them again.
        if (stops.length > 0) await (await consumer).pruneRuns(stops.map((s) => s.runId));
        for (const search of searches) await enqueue(await control(), search.sweepId, search.spec, search.runs);
        for (const stop of stops.filter((s) => !pruned.has(s.runId))) {
          pruned.add(stop.runId);
          stats.pruned++;
          log.info(
            { sweepId: stop.sweepId, runId: stop.runId, rule: stop.reason.rule },
            `pruned run ${stop.runId} (${stop.reason.rule}): ${stop.reason.evidence}`,
          );
        }
        batch.forEach((h, i) => {
          const outcome = outcomes[i]!;
          if (outcome.kind !== "refused") stats[outcome.kind]++;
          // Moot messages are expected (a replaced attempt, a cancelled run) but never silent.
          if (outcome.kind === "dropped")
            log.info(
              { runId: h.message.runId, attempt: h.message.attempt, message: h.message.type },
              `dropped ${h.message.type} of run ${h.message.runId} attempt ${h.message.attempt}: ${outcome.why}`,
            );
          // What an early message waits for is usually being written right now (by this batch's
          // neighbour or another recorder): keep it for the next batch before the queue's backoff.
          if (outcome.kind === "early" && h.early < EARLY_IN_HAND && !closing) held.push({ ...h, early: h.early + 1 });
          else if ("error" in outcome) h.reject(outcome.error);
          else h.resolve();
        });
        return;
      } catch (error) {
        if (closing || Date.now() - began > dbRetryMs) {
          batch.forEach((h) => h.reject(error as Error));
          return;
        }
        stats.dbRetries++;
        if (tries === 0)
          log.warn(
            { err: error, runIds: [...new Set(batch.map((h) => h.message.runId))] },
            `write failed (${lastLine(describeError(error))}); retrying until it succeeds`,
          );
        await sleep(Math.min(250 * 2 ** tries, 5000));
      }
    }
  };

  // Not awaited here: the batches it hands over reach `consumer` only after this assignment.
  const consumer = consumeResults({
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 256,
    logger: log,
    handle: (message) =>
      new Promise<void>((resolve, reject) => {
        held.push({ message, resolve, reject, early: 0 });
        flushing ??= flush();
      }),
  });
  const ready = await consumer;
  // Queues on the consumer's connection, opened when a search first has runs to enqueue.
  let queues: Queues | undefined;
  const control = async (): Promise<Control> => {
    queues ??= openQueues(ready.redis, options.prefix, (err) => log.error({ err }, `queue: ${describeError(err)}`));
    return { prisma, redis: ready.redis, prefix: options.prefix, queues };
  };

  return {
    stats,
    async close() {
      closing = true;
      await queues?.close();
      await ready.close();
      await flushing;
    },
  };
}

/** An error's last non-empty line: where Prisma (whose messages begin with a blank line) puts the cause. */
const lastLine = (text: string): string => text.split("\n").findLast((l) => l.trim() !== "") ?? text;

/** Classifies a data-layer refusal: early ones are retried, malformed ones fail for good, moot ones are dropped. */
function outcomeOf(error: DbError | undefined): Outcome {
  if (!error) return { kind: "written" };
  if ((error instanceof StaleAttemptError || error instanceof TraceOrderError) && error.early)
    return { kind: "early", error: new RetrySoonError(error.message) };
  if (error instanceof TraceOrderError) return { kind: "refused", error: new RefusedResultError(error.message) };
  return { kind: "dropped", why: error.message };
}

/**
 * Writes one batch in the order a run's messages depend on each other — starts, epochs, ends,
 * failures and hand-backs — with one statement per kind, applies the sweeps' stopping rules to
 * the epochs stored, then brings the sweeps' statuses up to date. Throws only when the database
 * itself fails; every per-message refusal is an outcome.
 */
async function writeBatch(
  prisma: PrismaClient,
  messages: ResultMessage[],
): Promise<{
  outcomes: Outcome[];
  stops: StopDecision[];
  searches: Array<{ sweepId: string; spec: SweepSpec; runs: Awaited<ReturnType<typeof planSearch>>["runs"] }>;
}> {
  const outcomes: Outcome[] = new Array(messages.length);
  const ofType = <T extends ResultMessage["type"]>(type: T) =>
    messages.flatMap((m, i) => (m.type === type ? [{ m: m as Extract<ResultMessage, { type: T }>, i }] : []));

  const starts = ofType("started");
  const started = await startRuns(
    prisma,
    starts.map(({ m }) => ({ id: m.runId, attempt: m.attempt, workerId: m.workerId, device: m.device, layers: m.layers })),
  );
  starts.forEach(({ i }, k) => (outcomes[i] = outcomeOf(started[k] instanceof DbError ? started[k] : undefined)));

  // A run's chunks in epoch order, so two chunks of one run in a batch are both accepted.
  const chunks = ofType("epochs").sort((a, b) => a.m.runId.localeCompare(b.m.runId) || a.m.records[0]!.epoch - b.m.records[0]!.epoch);
  const appended = await appendEpochChunks(
    prisma,
    chunks.map(({ m }) => ({ runId: m.runId, attempt: m.attempt, records: m.records })),
  );
  chunks.forEach(({ i }, k) => (outcomes[i] = outcomeOf(appended[k]!.error)));
  const stops = await decideStops(
    prisma,
    chunks.flatMap(({ m }, k) => (appended[k]!.error ? [] : [{ runId: m.runId, attempt: m.attempt, records: m.records }])),
  );

  const ends = ofType("finished");
  const ended = await finishRuns(
    prisma,
    ends.map(({ m }) => ({ id: m.runId, attempt: m.attempt, summary: m.summary, last: m.last })),
  );
  ends.forEach(({ i }, k) => (outcomes[i] = outcomeOf(ended[k])));

  for (const { m, i } of [...ofType("failed"), ...ofType("released")]) {
    const write =
      m.type === "failed" ? failRun(prisma, m.runId, m.attempt, m.error, m.timedOut ? "timed_out" : "failed") : releaseRun(prisma, m.runId, m.attempt);
    outcomes[i] = outcomeOf(
      await write.then(
        () => undefined,
        (e: unknown) => (e instanceof DbError ? e : Promise.reject(e)),
      ),
    );
  }
  // Epoch chunks move no run's status but through a prune: only those, starts, ends, failures and hand-backs can move a sweep's.
  const moved = [...new Set([...messages.filter((m) => m.type !== "epochs").map((m) => m.runId), ...stops.map((s) => s.runId)])];
  // A search proposes its next trials as runs settle, before the sweep's status is brought up to
  // date: with new runs queued, a search between trials is not taken for finished.
  const settled = [...messages.filter((m) => m.type === "finished" || m.type === "failed").map((m) => m.runId), ...stops.map((s) => s.runId)];
  const searches = [];
  for (const sweepId of await searchingSweeps(prisma, settled)) searches.push({ sweepId, ...(await planSearch(prisma, sweepId)) });
  await refreshSweepStatus(prisma, moved);
  return { outcomes, stops, searches };
}
