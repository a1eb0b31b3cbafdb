import { randomBytes } from "node:crypto";
import { toWire, train } from "@gradtrace/core";
import { createSweep, getRun } from "@gradtrace/db";
import { createTestDatabase, expectSameEpochs, type TestDatabase } from "@gradtrace/db/testing";
import { createMemoryLogger } from "@gradtrace/log";
import { connectRedis, openQueues, PAYLOAD_VERSION, RESULT_JOB_OPTIONS, type Queues } from "@gradtrace/queue";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder, type Recorder } from "./recorder.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `gt-test-${randomBytes(4).toString("hex")}`;
let db: TestDatabase;
let redis: Redis;
let queues: Queues;
let recorder: Recorder;
const { logger, lines: logged } = createMemoryLogger("recorder");

beforeAll(async () => {
  db = await createTestDatabase("recorder");
  redis = connectRedis(REDIS_URL, "worker", () => undefined);
  queues = openQueues(redis, prefix, () => undefined);
  recorder = await startRecorder({ redisUrl: REDIS_URL, prefix, prisma: db.prisma, logger });
});
afterAll(async () => {
  await recorder.close();
  await queues.close();
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await db.drop();
});

const input = {
  dataset: { name: "moons", samples: 200 },
  model: { hidden: [8, 8], activation: "tanh", weightInit: "xavier_normal" },
  training: { epochs: 6, seed: 4 },
};
const trace = train(input);
const send = (message: object) => queues.results.add("result", toWire({ v: PAYLOAD_VERSION, ...message }), RESULT_JOB_OPTIONS);

async function settled(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await queues.results.getJobCounts("waiting", "active", "delayed").then((c) => c.waiting! + c.active! + c.delayed!)) > 0) {
    if (Date.now() > deadline) throw new Error("results still pending after 30 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the recorder", () => {
  it("writes a run whose messages arrive out of order and twice: the stored trace is the core's", async () => {
    const { runIds } = await createSweep(db.prisma, { name: "out of order", spec: {}, runs: [input] });
    const runId = runIds[0]!;
    const base = { runId, attempt: 1 };
    const [a, b, c] = [trace.epochs.slice(0, 2), trace.epochs.slice(2, 5), trace.epochs.slice(5)];
    await send({ type: "finished", ...base, summary: trace.summary, last: trace.epochs.at(-1) });
    await send({ type: "epochs", ...base, records: c });
    await send({ type: "epochs", ...base, records: b });
    await send({ type: "epochs", ...base, records: a });
    // Nothing of these can be written before the start: they go back to the queue, delayed.
    const deadline = Date.now() + 10_000;
    while ((await queues.results.getDelayedCount()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(recorder.stats.early).toBeGreaterThanOrEqual(4);
    await send({ type: "started", ...base, workerId: "w", device: "cpu", layers: trace.layers });
    await send({ type: "epochs", ...base, records: b });
    await send({ type: "started", ...base, workerId: "w", device: "cpu", layers: trace.layers });
    await settled();
    const stored = await getRun(db.prisma, runId);
    expect(stored.run.status).toBe("completed");
    expectSameEpochs(stored.epochs, trace.epochs);
    expect((await db.prisma.sweep.findFirstOrThrow({ where: { runs: { some: { id: runId } } } })).status).toBe("completed");
  });

  it("records a run that ran out of its time limit as timed out, its epochs kept, and the sweep as done", async () => {
    const { runIds } = await createSweep(db.prisma, { name: "timed out", spec: {}, runs: [input] });
    const base = { runId: runIds[0]!, attempt: 1 };
    await send({ type: "started", ...base, workerId: "w", device: "cpu", layers: trace.layers });
    await send({ type: "epochs", ...base, records: trace.epochs.slice(0, 3) });
    await send({ type: "failed", ...base, error: "timed out: still training after 1 s (training.timeLimit), at epoch 3 of 6", timedOut: true });
    await settled();
    const stored = await getRun(db.prisma, base.runId);
    expect(stored.run).toMatchObject({ status: "timed_out", error: expect.stringMatching(/^timed out/) });
    expectSameEpochs(stored.epochs, trace.epochs.slice(0, 3));
    expect((await db.prisma.sweep.findFirstOrThrow({ where: { runs: { some: { id: base.runId } } } })).status).toBe("completed");
  });

  it("fails a result that can never fit at once, and drops a stale attempt's", async () => {
    const { runIds } = await createSweep(db.prisma, { name: "refused", spec: {}, runs: [input] });
    const runId = runIds[0]!;
    await send({ type: "started", runId, attempt: 2, workerId: "w", device: "cpu", layers: trace.layers });
    await settled();
    const dropped = recorder.stats.dropped;
    await send({ type: "epochs", runId, attempt: 1, records: trace.epochs.slice(0, 1) });
    const bad = await send({ type: "epochs", runId, attempt: 2, records: [{ ...trace.epochs[0]!, layers: trace.epochs[0]!.layers.slice(1) }] });
    const garbage = await queues.results.add("result", { v: 1, type: "started" }, RESULT_JOB_OPTIONS);
    await settled();
    expect(recorder.stats.dropped).toBe(dropped + 1);
    expect(logged).toContainEqual(
      expect.objectContaining({
        component: "recorder",
        runId,
        attempt: 1,
        msg: expect.stringMatching(new RegExp(`dropped epochs of run ${runId} attempt 1: .*attempt 1 is stale, the current attempt is 2`)),
      }),
    );
    for (const job of [bad, garbage]) {
      const failed = (await queues.results.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toMatch(job === bad ? /has 2 layers, the run has 3/ : /runId/);
    }
    expect(await db.prisma.traceEpoch.count({ where: { runId } })).toBe(0);
  });
});
