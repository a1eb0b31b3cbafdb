import { randomUUID } from "node:crypto";
import {
  packEpoch,
  parseRunSpec,
  Run,
  storedDataset,
  train,
  unpackEpoch,
  type EpochRecord,
  type PointsSpec,
  type RunSpec,
  type TraceSummary,
} from "@gradtrace/core";
import { createMemoryLogger } from "@gradtrace/log";
import { Job, type Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { parseResultMessage, PAYLOAD_VERSION, type ResultMessage, type RunJob } from "./contracts.ts";
import { putDatasets } from "./datasets.ts";
import { pruneRuns } from "./producer.ts";
import { startWorker, type RunningWorker, type Trainer, type TrainSink } from "./run-worker.ts";
import { TEST_REDIS_URL, testQueues } from "./test-queues.ts";

const REDIS_URL = TEST_REDIS_URL;
const workers: RunningWorker[] = [];
const { prefix, queues, redis } = testQueues("worker", async () => {
  for (const w of workers) await w.close(1000);
});

/** Trains in this thread with the core, failing the first `failures` runs it is given. */
class FlakyTrainer implements Trainer {
  readonly device = "cpu";
  readonly deviceName = "test";
  readonly concurrency = 1;
  calls = 0;
  constructor(private readonly failures: number) {}
  async train(spec: RunSpec, sink: TrainSink): Promise<TraceSummary> {
    if (++this.calls <= this.failures) throw new Error(`out of memory (call ${this.calls})`);
    const run = new Run(spec);
    await sink.layers(run.layers);
    const epochs = run.epochs();
    for (let next = epochs.next(); ; next = epochs.next()) {
      if (next.done) return next.value;
      await sink.epoch(next.value);
    }
  }
  async close() {}
}

/** Sends an epoch every 100 ms and never finishes: stops only when its signal aborts. */
class EndlessTrainer implements Trainer {
  readonly device = "cpu";
  readonly deviceName = "test";
  readonly concurrency = 1;
  async train(spec: RunSpec, sink: TrainSink, signal: AbortSignal): Promise<TraceSummary> {
    const run = new Run(spec);
    await sink.layers(run.layers);
    const record = run.epochs().next().value as EpochRecord;
    for (let epoch = 0; ; epoch++) {
      signal.throwIfAborted();
      await sink.epoch({ ...record, epoch });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async close() {}
}

const spec = (over: Partial<{ activation: string; lr: number }> = {}) => ({
  dataset: { name: "moons", samples: 200 },
  model: { hidden: [8, 8], activation: over.activation ?? "tanh", weightInit: "xavier_normal" },
  training: { epochs: 5, seed: 2, optimizer: { name: "sgd", lr: over.lr ?? 0.1 } },
});

async function enqueue(runs: Queue, data: object): Promise<string> {
  const runId = randomUUID();
  await runs.add("run", { v: PAYLOAD_VERSION, runId, sweepId: randomUUID(), device: "any", ...data } satisfies Partial<RunJob>, {
    jobId: runId,
    attempts: 3,
    backoff: { type: "exponential", delay: 100 },
  });
  return runId;
}

async function settledJob(runs: Queue, id: string): Promise<Job> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = (await runs.getJob(id))!;
    if (job.finishedOn) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function messages(runId: string): Promise<ResultMessage[]> {
  const jobs = await queues.results.getJobs(["waiting"], 0, -1, true);
  return jobs.map((j) => parseResultMessage(j.data)).filter((m) => m.runId === runId);
}

describe("the worker shell", () => {
  it("retries a run that throws with backoff, each try a new attempt, and reports only the one that worked", async () => {
    const trainer = new FlakyTrainer(2);
    const { logger, lines } = createMemoryLogger("worker");
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer, logger }));
    const runId = await enqueue(queues.runs.any, { spec: spec() });
    const job = await settledJob(queues.runs.any, runId);
    expect(job.returnvalue).toEqual({ outcome: "completed", epochsRun: 5 });
    expect(job.attemptsMade).toBe(3);
    const sent = await messages(runId);
    expect(sent.filter((m) => m.type === "started").map((m) => m.attempt)).toEqual([3]);
    expect(sent.filter((m) => m.type === "failed")).toEqual([]);
    expect(sent.at(-1)).toMatchObject({ type: "finished", attempt: 3, summary: { status: "completed" } });
    const epochs = sent.flatMap((m) => (m.type === "epochs" ? m.records.map((r) => r.epoch) : []));
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5]);
    // Each line about the run names the worker, the sweep, the run and the attempt, and says why.
    const worker = workers.at(-1)!.id;
    const about = lines.filter((l) => l.runId === runId);
    expect(about.map((l) => [l.level, l.attempt, l.msg])).toEqual([
      [40, 1, "run failed; it will be retried: out of memory (call 1)"],
      [40, 2, "run failed; it will be retried: out of memory (call 2)"],
      [30, 3, "run completed"],
    ]);
    expect(about.every((l) => l.worker === worker && typeof l.sweepId === "string" && l.component === "worker")).toBe(true);
    await workers.pop()!.close(1000);
  });

  it("reports a failure once, when the last attempt fails, and completes a diverged run as diverged", async () => {
    const trainer = new FlakyTrainer(3);
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer, logger: createMemoryLogger("worker").logger }));
    const failing = await enqueue(queues.runs.any, { spec: spec() });
    const job = await settledJob(queues.runs.any, failing);
    expect(job.failedReason).toBe("out of memory (call 3)");
    expect((await messages(failing)).map((m) => [m.type, m.attempt])).toEqual([["failed", 3]]);
    const diverging = await enqueue(queues.runs.any, { spec: spec({ activation: "identity", lr: 20 }) });
    const done = await settledJob(queues.runs.any, diverging);
    expect(done.returnvalue).toMatchObject({ outcome: "diverged" });
    expect((await messages(diverging)).at(-1)).toMatchObject({
      type: "finished",
      summary: { status: "diverged", diagnoses: expect.arrayContaining([expect.objectContaining({ kind: "diverged" })]) },
    });
    await workers.pop()!.close(1000);
  });

  it("ends a run still training after training.timeLimit as timed out, once, keeping the epochs it sent", async () => {
    const { logger } = createMemoryLogger("worker");
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer: new EndlessTrainer(), logger }));
    const base = spec();
    const runId = await enqueue(queues.runs.any, { spec: { ...base, training: { ...base.training, epochs: 1000, timeLimit: 1 } } });
    const started = Date.now();
    const job = await settledJob(queues.runs.any, runId);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(job.failedReason).toMatch(/^timed out: still training after 1 s \(training\.timeLimit\), at epoch \d+ of 1000$/);
    expect(job.attemptsMade).toBe(1);
    const sent = await messages(runId);
    expect(sent.filter((m) => m.type === "epochs").length).toBeGreaterThan(0);
    expect(sent.at(-1)).toMatchObject({ type: "failed", attempt: 1, error: job.failedReason, timedOut: true });
    await workers.pop()!.close(1000);
  });

  it("stops a run its sweep's stopping rule pruned within a poll, ends it with a summary of what it trained, and skips it if delivered again", async () => {
    const { logger } = createMemoryLogger("worker");
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer: new EndlessTrainer(), logger }));
    const base = spec();
    const runId = await enqueue(queues.runs.any, { spec: { ...base, training: { ...base.training, epochs: 1000 } } });
    await new Promise((r) => setTimeout(r, 600));
    const decided = Date.now();
    await pruneRuns(redis, prefix, [runId]);
    const job = await settledJob(queues.runs.any, runId);
    expect(Date.now() - decided).toBeLessThan(1000);
    expect(job.returnvalue).toMatchObject({ outcome: "pruned" });
    const sent = await messages(runId);
    const epochs = sent.flatMap((m) => (m.type === "epochs" ? m.records : []));
    const end = sent.at(-1);
    expect(end).toMatchObject({ type: "finished", summary: { status: "completed", epochsRun: epochs.at(-1)!.epoch } });
    expect(end?.type === "finished" && unpackEpoch(packEpoch(end.last))).toEqual(unpackEpoch(epochs.at(-1)!));

    // Delivered again (a stalled job, say): skipped before it trains.
    await queues.runs.any.add("run", { v: PAYLOAD_VERSION, runId, sweepId: randomUUID(), device: "any", spec: base } satisfies Partial<RunJob>, {
      jobId: `${runId}-2`,
    });
    expect((await settledJob(queues.runs.any, `${runId}-2`)).returnvalue).toEqual({ outcome: "pruned" });
    await workers.pop()!.close(1000);
  });
});

describe("stored datasets", () => {
  const rows = Array.from({ length: 300 }, (_, i) => [Math.cos(i), Math.sin(i * 1.3)]);
  const points = { name: "points" as const, features: rows, labels: rows.map(([x, y]) => (x! * y! > 0 ? 1 : 0)) };
  const inline = { ...spec(), dataset: points };

  it("trains a run whose job carries a stored reference on the points Redis holds, as it would train them inline", async () => {
    const sha256 = "a".repeat(64);
    const parsed = parseRunSpec(inline);
    await putDatasets(redis, prefix, new Map([[sha256, parsed.dataset as PointsSpec]]));
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer: new FlakyTrainer(0), logger: createMemoryLogger("worker").logger }));
    const stored = { ...parsed, dataset: storedDataset(parsed.dataset as PointsSpec, sha256) };
    const runId = await enqueue(queues.runs.any, { spec: stored });
    expect((await settledJob(queues.runs.any, runId)).returnvalue).toEqual({ outcome: "completed", epochsRun: 5 });
    const sent = (await messages(runId)).flatMap((m) => (m.type === "epochs" ? m.records : []));
    expect(sent).toEqual(train(inline).epochs.map(packEpoch));
    // The job is a reference, not the rows.
    expect(JSON.stringify((await queues.runs.any.getJob(runId))!.data).length).toBeLessThan(1000);
    expect(JSON.stringify(points).length).toBeGreaterThan(10_000);
    await workers.pop()!.close(1000);
  });

  it("fails a run whose stored dataset Redis does not hold, once, saying how to put it back", async () => {
    workers.push(await startWorker({ redisUrl: REDIS_URL, prefix, trainer: new FlakyTrainer(0), logger: createMemoryLogger("worker").logger }));
    const parsed = parseRunSpec(inline);
    const runId = await enqueue(queues.runs.any, { spec: { ...parsed, dataset: storedDataset(parsed.dataset as PointsSpec, "b".repeat(64)) } });
    const job = await settledJob(queues.runs.any, runId);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/dataset sha256:b{64} is not in Redis; resuming the run's sweep \(gradtrace sweep resume ID\) puts it back/);
    await workers.pop()!.close(1000);
  });
});
