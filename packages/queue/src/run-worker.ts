import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { SpecError, type EpochRecord, type LayerInfo, type RunSpec, type TraceSummary } from "@gradtrace/core";
import { describeError, type Logger } from "@gradtrace/log";
import { DelayedError, Queue, UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { z } from "zod";
import pkg from "../package.json" with { type: "json" };
import { connectRedis, throttled } from "./connection.ts";
import { datasetResolver } from "./datasets.ts";
import { parseRunJob, PAYLOAD_VERSION, QUEUE_NAMES, runQueueName, type ResultMessage } from "./contracts.ts";
import { halts, RESULT_JOB_OPTIONS } from "./producer.ts";
import { announceWorker, withdrawWorker, type WorkerInfo } from "./registry.ts";
import { DEFAULT_REPORTER_OPTIONS, RunReporter, type ReporterOptions } from "./reporter.ts";

/** Where a trainer hands what it measures, in order. */
export interface TrainSink {
  layers(layers: LayerInfo[]): Promise<void>;
  epoch(record: EpochRecord): Promise<void>;
}

/** Trains runs on one kind of device; the worker shell around it is the same for all. */
export interface Trainer {
  readonly device: "cpu" | "gpu";
  /** The device in words (CPU model, GPU adapter). */
  readonly deviceName: string;
  /** How many runs it trains at once. */
  readonly concurrency: number;
  /** Trains one run, streaming its traced epochs; rejects once `signal` aborts, with the signal's reason. */
  train(spec: RunSpec, sink: TrainSink, signal: AbortSignal): Promise<TraceSummary>;
  close(): Promise<void>;
}

/** How long a worker holds a run's lock, and how often stalled runs (their worker died) are looked for. */
export const LeaseEnvSchema = z.object({
  // A dead worker's run is taken over after at most the lease plus two stalled checks (BullMQ marks,
  // then moves): 25 s with these defaults. Training runs off the event loop, so leases renew on time.
  GRADTRACE_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  GRADTRACE_STALLED_MS: z.coerce.number().int().min(1000).max(600_000).default(5_000),
});

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  trainer: Trainer;
  /** Every line it writes names this worker; those about a run name its sweep, run and attempt too. */
  logger: Logger;
  lockMs?: number;
  stalledMs?: number;
  reporter?: ReporterOptions;
}

/** A worker taking runs until closed. */
export interface RunningWorker {
  readonly id: string;
  /** Stops taking runs, waits up to `deadlineMs` for the current ones, hands back the rest, disconnects. */
  close(deadlineMs: number): Promise<void>;
}

const VERSION = pkg.version;
const CANCELLED = "cancelled";
const PRUNED = "pruned";
const SHUTDOWN = "shutdown";
const TIMED_OUT = "timed out";
const HEARTBEAT_MS = 2000;
const HALT_POLL_MS = 100;

interface ActiveRun {
  runId: string;
  sweepId: string;
  epoch: number;
  epochs: number;
  controller: AbortController;
}

/** How the ids of the workers a process on `host` with `pid` runs begin: what a run's `workerId` says of the process that trains it. */
export function workerIdPrefix(host: string, pid: number): string {
  return `${host}-${pid}-`;
}

/** The result a run's job completes with. */
export interface RunOutcome {
  outcome: TraceSummary["status"] | "cancelled" | "pruned";
  epochsRun?: number;
}

/**
 * Starts a worker: takes runs from the runs queue on one Redis connection, trains them with
 * `trainer` (off the event loop, so locks keep being extended), reports them through the results
 * queue, announces itself in the registry, and stops runs of a cancelled sweep, and runs a
 * stopping rule pruned, within a second.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { trainer, prefix } = options;
  const id = `${workerIdPrefix(hostname(), process.pid)}${randomUUID().slice(0, 8)}`;
  const log = options.logger.child({ worker: id });
  const redis = connectRedis(options.redisUrl, "worker", (err) => log.error({ err }, `redis: ${describeError(err)}`));
  const results = new Queue(QUEUE_NAMES.results, { connection: redis, prefix }).on("error", (err) =>
    log.error({ err }, `results queue: ${describeError(err)}`),
  );
  const resolve = datasetResolver(redis, prefix);
  const active = new Map<string, ActiveRun>();
  const finishedAt: number[] = [];
  const startedAt = new Date().toISOString();
  let completed = 0;

  const processor = async (job: Job, token?: string, stop?: AbortSignal): Promise<RunOutcome> => {
    let data;
    try {
      const parsed = parseRunJob(job.data);
      data = { ...parsed, spec: await resolve(parsed.spec) };
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      log.error({ jobId: job.id, issues: error.issues }, `refused an invalid run job: ${error.message}`);
      await reportInvalid(results, job, error.message);
      throw new UnrecoverableError(error.message);
    }
    const attempt = data.attemptBase + job.attemptsStarted;
    const runLog = log.child({ sweepId: data.sweepId, runId: data.runId, attempt });
    const halted = await halts(redis, prefix, [data.sweepId], [data.runId]);
    const halt = halted.sweeps.get(data.sweepId);
    if (halted.prunedRuns.has(data.runId)) {
      runLog.info("skipped: its sweep's stopping rule pruned it");
      return { outcome: "pruned" };
    }
    if (halt === "cancelled") {
      runLog.info("skipped: its sweep is cancelled");
      return { outcome: "cancelled" };
    }
    if (halt === "paused") {
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    const run: ActiveRun = { runId: data.runId, sweepId: data.sweepId, epoch: -1, epochs: data.spec.training.epochs, controller: new AbortController() };
    stop?.addEventListener("abort", () => run.controller.abort(SHUTDOWN));
    const { timeLimit } = data.spec.training;
    const deadline = setTimeout(() => run.controller.abort(TIMED_OUT), timeLimit * 1000);
    active.set(job.id!, run);
    const reporter = new RunReporter(
      results,
      job,
      { runId: data.runId, sweepId: data.sweepId, attempt, epochs: run.epochs, sendAt: data.sendAt },
      options.reporter ?? DEFAULT_REPORTER_OPTIONS,
    );
    try {
      const sink: TrainSink = {
        layers: (layers) => reporter.started(id, `${trainer.device}: ${trainer.deviceName}`, layers),
        epoch: async (record) => {
          run.epoch = record.epoch;
          await reporter.epoch(record);
        },
      };
      const began = Date.now();
      runLog.debug({ epochs: run.epochs }, "training");
      const summary = await trainer.train(data.spec, sink, run.controller.signal);
      await reporter.finished(summary);
      runLog.info({ outcome: summary.status, epochsRun: summary.epochsRun, ms: Date.now() - began }, `run ${summary.status}`);
      finishedAt.push(Date.now());
      completed++;
      return { outcome: summary.status, epochsRun: summary.epochsRun };
    } catch (error) {
      if (run.controller.signal.aborted && run.controller.signal.reason === CANCELLED) {
        runLog.info({ epoch: run.epoch }, "stopped: its sweep was cancelled");
        return { outcome: "cancelled" };
      }
      if (run.controller.signal.aborted && run.controller.signal.reason === PRUNED) {
        // The recorder decided; the run's end says where it actually stopped, its summary from what it trained.
        await reporter.pruned();
        runLog.info({ epoch: run.epoch }, "stopped: its sweep's stopping rule pruned it");
        return { outcome: "pruned", epochsRun: Math.max(run.epoch, 0) };
      }
      if (run.controller.signal.aborted && run.controller.signal.reason === TIMED_OUT) {
        // Another attempt would time out alike: timed out for good, the epochs recorded so far kept.
        const why = `timed out: still training after ${timeLimit} s (training.timeLimit), at epoch ${run.epoch} of ${run.epochs}`;
        runLog.warn({ epoch: run.epoch }, why);
        await reporter.failed(why, true);
        throw new UnrecoverableError(why);
      }
      if (run.controller.signal.aborted) {
        runLog.info({ epoch: run.epoch }, "handed back unfinished: the worker is shutting down");
        await reporter.released();
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      runLog.warn({ err: error, last }, `run failed${last ? "" : "; it will be retried"}: ${describeError(error)}`);
      if (last) await reporter.failed(describeError(error));
      throw error;
    } finally {
      clearTimeout(deadline);
      active.delete(job.id!);
    }
  };

  const lease = LeaseEnvSchema.parse({ GRADTRACE_LOCK_MS: options.lockMs, GRADTRACE_STALLED_MS: options.stalledMs });
  // Runs for any device and runs for this one: while both queues hold runs, the trainer holds up
  // to twice its concurrency, the second half waiting for a thread (their leases kept alive).
  const workers = ["any" as const, trainer.device].map((target) => {
    const w = new Worker(runQueueName(target), processor, {
      connection: redis,
      prefix,
      concurrency: trainer.concurrency,
      lockDuration: lease.GRADTRACE_LOCK_MS,
      stalledInterval: lease.GRADTRACE_STALLED_MS,
      maxStalledCount: 3,
    });
    w.on(
      "error",
      throttled((err) => log.error({ err }, `queue ${target}: ${describeError(err)}`)),
    );
    return w;
  });

  const info = (): WorkerInfo => {
    const minuteAgo = Date.now() - 60_000;
    while (finishedAt.length > 0 && finishedAt[0]! < minuteAgo) finishedAt.shift();
    return {
      id,
      host: hostname(),
      pid: process.pid,
      device: trainer.device,
      deviceName: trainer.deviceName,
      concurrency: trainer.concurrency,
      version: VERSION,
      startedAt,
      heartbeatAt: new Date().toISOString(),
      runs: [...active.values()].map(({ runId, sweepId, epoch, epochs }) => ({ runId, sweepId, epoch, epochs })),
      completed,
      runsPerMinute: finishedAt.length,
    };
  };
  const heartbeat = () =>
    announceWorker(redis, prefix, info(), 3 * HEARTBEAT_MS).catch((err: unknown) => log.warn({ err }, `heartbeat: ${describeError(err)}`));
  const beats = setInterval(heartbeat, HEARTBEAT_MS);
  // Cancellation and pruning reach running runs through this poll: one MGET for all of them.
  const polls = setInterval(() => {
    if (active.size === 0) return;
    const runs = [...active.values()];
    halts(
      redis,
      prefix,
      [...new Set(runs.map((r) => r.sweepId))],
      runs.map((r) => r.runId),
    )
      .then(({ sweeps, prunedRuns }) =>
        runs.forEach((r) => {
          if (sweeps.get(r.sweepId) === "cancelled") r.controller.abort(CANCELLED);
          else if (prunedRuns.has(r.runId)) r.controller.abort(PRUNED);
        }),
      )
      .catch((err: unknown) => log.warn({ err }, `halt poll: ${describeError(err)}`));
  }, HALT_POLL_MS);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  await heartbeat();

  return {
    id,
    async close(deadlineMs) {
      const handBack = setTimeout(() => active.forEach((r) => r.controller.abort(SHUTDOWN)), deadlineMs);
      await Promise.all(workers.map((w) => w.close()));
      clearTimeout(handBack);
      clearInterval(beats);
      clearInterval(polls);
      await trainer.close();
      await withdrawWorker(redis, prefix, id).catch(() => undefined);
      await results.close();
      redis.disconnect();
    },
  };
}

/** Tells the recorder a job it could not even read failed, when the job names a run at all. */
async function reportInvalid(results: Queue, job: Job, error: string): Promise<void> {
  const data = job.data as { runId?: unknown; attemptBase?: unknown } | null;
  const runId = z.uuid().safeParse(data?.runId);
  if (!runId.success) return;
  const base = typeof data?.attemptBase === "number" ? data.attemptBase : 0;
  const message: ResultMessage = { v: PAYLOAD_VERSION, type: "failed", runId: runId.data, attempt: base + job.attemptsStarted, error };
  await results.add("failed", message, RESULT_JOB_OPTIONS);
}
