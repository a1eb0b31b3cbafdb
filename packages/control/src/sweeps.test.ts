import { randomBytes } from "node:crypto";
import { connectRedis, keys, openQueues, QueueUnreachableError, type Redis } from "@gradtrace/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "@gradtrace/db";
import { deleteSweep, resumeSweep, submitSweep, SubmitIncompleteError } from "./sweeps.ts";
import { testControl } from "./test-control.ts";

/** A port nothing listens on: a Redis that is down. */
const GONE = "redis://127.0.0.1:1";
const t = testControl("control_sweeps");
let gone: Redis;

beforeAll(() => {
  gone = connectRedis(GONE, "producer", () => undefined);
});
afterAll(() => gone.disconnect());

const spec = {
  name: "atomic",
  axes: { activations: ["tanh", "relu"], initializers: ["he_normal"], depths: [1], widths: [4], learningRates: [0.1] },
  fixed: { epochs: 1, batchSize: 32 },
};

describe("submitting a sweep", () => {
  it("stores nothing and says so at once when Redis cannot be reached", async () => {
    const before = await t.prisma.sweep.count();
    const started = Date.now();
    const queues = openQueues(gone, t.control.prefix, () => undefined);
    try {
      const attempt = submitSweep({ ...t.control, redis: gone, queues }, spec);
      await expect(attempt).rejects.toBeInstanceOf(QueueUnreachableError);
      await expect(attempt).rejects.toThrow("the queue (Redis at 127.0.0.1:1) did not answer within 3000 ms");
    } finally {
      await queues.close();
    }
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await t.prisma.sweep.count()).toBe(before);
  });

  it("names the stored sweep when Redis goes away before its runs are queued, and resuming queues them", async () => {
    // The check reaches a live Redis; the queues' connection is down, as if it went away in between.
    const queues = openQueues(gone, t.control.prefix, () => undefined);
    let incomplete: SubmitIncompleteError | undefined;
    try {
      await submitSweep({ ...t.control, queues }, spec);
    } catch (error) {
      incomplete = error as SubmitIncompleteError;
    } finally {
      await queues.close();
    }
    expect(incomplete).toBeInstanceOf(SubmitIncompleteError);
    const stored = await t.prisma.run.findMany({ where: { sweepId: incomplete!.sweepId } });
    expect(stored.map((r) => r.status)).toEqual(["queued", "queued"]);
    expect(await t.control.queues.runs.any.getWaitingCount()).toBe(0);
    await resumeSweep(t.control, incomplete!.sweepId);
    expect(await t.control.queues.runs.any.getWaitingCount()).toBe(2);
  });

  it("with an idempotency key used before, stores nothing and answers the first sweep; a retry finishes an incomplete submit", async () => {
    await t.control.queues.runs.any.obliterate({ force: true });
    const key = `retry-${randomBytes(4).toString("hex")}`;
    const queues = openQueues(gone, t.control.prefix, () => undefined);
    let incomplete: SubmitIncompleteError | undefined;
    try {
      await submitSweep({ ...t.control, queues }, spec, { idempotencyKey: key });
    } catch (error) {
      incomplete = error as SubmitIncompleteError;
    } finally {
      await queues.close();
    }
    expect(incomplete).toBeInstanceOf(SubmitIncompleteError);
    const sweeps = await t.prisma.sweep.count();
    const again = await submitSweep(t.control, spec, { idempotencyKey: key });
    expect(again).toEqual({ sweepId: incomplete!.sweepId, runs: 2, replayed: true });
    expect(await t.control.queues.runs.any.getWaitingCount()).toBe(2);
    expect(await submitSweep(t.control, { ...spec, idempotencyKey: key })).toEqual(again);
    expect(await t.control.queues.runs.any.getWaitingCount()).toBe(2);
    expect(await t.prisma.sweep.count()).toBe(sweeps);
    // Two submits at once with one new key: one sweep.
    const fresh = `race-${randomBytes(4).toString("hex")}`;
    const both = await Promise.all([submitSweep(t.control, spec, { idempotencyKey: fresh }), submitSweep(t.control, spec, { idempotencyKey: fresh })]);
    expect(both[0].sweepId).toBe(both[1].sweepId);
    expect(await t.prisma.sweep.count()).toBe(sweeps + 1);
    await expect(submitSweep(t.control, { ...spec, idempotencyKey: "a" }, { idempotencyKey: "b" })).rejects.toThrow(
      "idempotencyKey: differs from the Idempotency-Key header",
    );
  });
});

describe("deleting a sweep", () => {
  it("takes its waiting runs off the queue, halts it for workers, and removes its rows; another sweep's jobs stay", async () => {
    await t.control.queues.runs.any.obliterate({ force: true });
    const doomed = await submitSweep(t.control, { ...spec, name: "doomed" });
    const kept = await submitSweep(t.control, { ...spec, name: "kept" });
    expect(await t.control.queues.runs.any.getWaitingCount()).toBe(4);
    expect(await deleteSweep(t.control, doomed.sweepId)).toBe(2);
    const waiting = await t.control.queues.runs.any.getWaiting();
    expect(waiting.map((j) => j.id).sort()).toEqual((await t.prisma.run.findMany({ where: { sweepId: kept.sweepId } })).map((r) => r.id).sort());
    // A worker that took one of its runs already stops it: the sweep is halted as cancelled.
    expect(await t.control.redis.get(keys.halt(t.control.prefix, doomed.sweepId))).toBe("cancelled");
    expect(await t.prisma.run.count({ where: { sweepId: doomed.sweepId } })).toBe(0);
    await expect(deleteSweep(t.control, doomed.sweepId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
