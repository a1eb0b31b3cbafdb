import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { connectRedis, openQueues, QueueUnreachableError, type Redis } from "@gradtrace/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeSweep, submitSweep, SubmitIncompleteError, type Control } from "./sweeps.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** A port nothing listens on: a Redis that is down. */
const GONE = "redis://127.0.0.1:1";
const prefix = `gt-test-${randomBytes(4).toString("hex")}`;
let db: TestDatabase;
let redis: Redis;
let gone: Redis;
let control: Control;

beforeAll(async () => {
  db = await createTestDatabase("control_sweeps");
  redis = connectRedis(REDIS_URL, "producer", () => undefined);
  gone = connectRedis(GONE, "producer", () => undefined);
  control = { prisma: db.prisma, redis, prefix, queues: openQueues(redis, prefix, () => undefined) };
});
afterAll(async () => {
  await control.queues.close();
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  gone.disconnect();
  await db.drop();
});

const spec = {
  name: "atomic",
  axes: { activations: ["tanh", "relu"], initializers: ["he_normal"], depths: [1], widths: [4], learningRates: [0.1] },
  fixed: { epochs: 1, batchSize: 32 },
};

describe("submitting a sweep", () => {
  it("stores nothing and says so at once when Redis cannot be reached", async () => {
    const before = await db.prisma.sweep.count();
    const started = Date.now();
    const queues = openQueues(gone, prefix, () => undefined);
    try {
      const attempt = submitSweep({ ...control, redis: gone, queues }, spec);
      await expect(attempt).rejects.toBeInstanceOf(QueueUnreachableError);
      await expect(attempt).rejects.toThrow("the queue (Redis at 127.0.0.1:1) did not answer within 3000 ms");
    } finally {
      await queues.close();
    }
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await db.prisma.sweep.count()).toBe(before);
  });

  it("names the stored sweep when Redis goes away before its runs are queued, and resuming queues them", async () => {
    // The check reaches a live Redis; the queues' connection is down, as if it went away in between.
    const queues = openQueues(gone, prefix, () => undefined);
    let incomplete: SubmitIncompleteError | undefined;
    try {
      await submitSweep({ ...control, queues }, spec);
    } catch (error) {
      incomplete = error as SubmitIncompleteError;
    } finally {
      await queues.close();
    }
    expect(incomplete).toBeInstanceOf(SubmitIncompleteError);
    const stored = await db.prisma.run.findMany({ where: { sweepId: incomplete!.sweepId } });
    expect(stored.map((r) => r.status)).toEqual(["queued", "queued"]);
    expect(await control.queues.runs.any.getWaitingCount()).toBe(0);
    await resumeSweep(control, incomplete!.sweepId);
    expect(await control.queues.runs.any.getWaitingCount()).toBe(2);
  });

  it("with an idempotency key used before, stores nothing and answers the first sweep; a retry finishes an incomplete submit", async () => {
    await control.queues.runs.any.obliterate({ force: true });
    const key = `retry-${randomBytes(4).toString("hex")}`;
    const queues = openQueues(gone, prefix, () => undefined);
    let incomplete: SubmitIncompleteError | undefined;
    try {
      await submitSweep({ ...control, queues }, spec, { idempotencyKey: key });
    } catch (error) {
      incomplete = error as SubmitIncompleteError;
    } finally {
      await queues.close();
    }
    expect(incomplete).toBeInstanceOf(SubmitIncompleteError);
    const sweeps = await db.prisma.sweep.count();
    const again = await submitSweep(control, spec, { idempotencyKey: key });
    expect(again).toEqual({ sweepId: incomplete!.sweepId, runs: 2, replayed: true });
    expect(await control.queues.runs.any.getWaitingCount()).toBe(2);
    expect(await submitSweep(control, { ...spec, idempotencyKey: key })).toEqual(again);
    expect(await control.queues.runs.any.getWaitingCount()).toBe(2);
    expect(await db.prisma.sweep.count()).toBe(sweeps);
    // Two submits at once with one new key: one sweep.
    const fresh = `race-${randomBytes(4).toString("hex")}`;
    const both = await Promise.all([submitSweep(control, spec, { idempotencyKey: fresh }), submitSweep(control, spec, { idempotencyKey: fresh })]);
    expect(both[0].sweepId).toBe(both[1].sweepId);
    expect(await db.prisma.sweep.count()).toBe(sweeps + 1);
    await expect(submitSweep(control, { ...spec, idempotencyKey: "a" }, { idempotencyKey: "b" })).rejects.toThrow(
      "idempotencyKey: differs from the Idempotency-Key header",
    );
  });
});
