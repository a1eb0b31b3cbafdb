import { randomBytes } from "node:crypto";
import { connectRedis, keys, openQueues, QueueUnreachableError, type Redis } from "@gradtrace/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "@gradtrace/db";
import { deleteSweep, pauseSweep, resumeSweep, submitSweep, SubmitIncompleteError } from "./sweeps.ts";
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

describe("inline datasets", () => {
  const rows = Array.from({ length: 2000 }, (_, i) => [Math.cos(i), Math.sin(i * 0.7), (i % 17) / 17]);
  const points = { name: "points", features: rows, labels: rows.map((_, i) => i % 3) };
  const inline = { ...spec, name: "inline", axes: { ...spec.axes, datasets: [points], seeds: [0, 1, 2] } };

  it("are stored once, in Postgres and Redis, and every run and job carries a reference; deleting the last sweep on one drops it", async () => {
    await t.control.queues.runs.any.obliterate({ force: true });
    const first = await submitSweep(t.control, inline);
    const second = await submitSweep(t.control, { ...inline, name: "inline again" });
    expect(first.runs).toBe(6);
    const datasets = await t.prisma.dataset.findMany();
    expect(datasets).toHaveLength(1);
    const hash = datasets[0]!.sha256;
    const runs = await t.prisma.run.findMany({ where: { sweepId: { in: [first.sweepId, second.sweepId] } } });
    expect(runs.every((r) => (r.spec as { dataset: { name: string; sha256: string } }).dataset.sha256 === hash)).toBe(true);
    expect(new Set(runs.map((r) => r.dataset))).toEqual(new Set(["points(2000×3)"]));
    expect(JSON.parse((await t.control.redis.get(keys.dataset(t.control.prefix, hash)))!)).toMatchObject({ name: "points", labels: points.labels });
    const jobs = await t.control.queues.runs.any.getWaiting();
    const sizes = jobs.map((j) => JSON.stringify(j.data).length);
    expect(Math.max(...sizes)).toBeLessThan(1500);
    expect(JSON.stringify(points).length).toBeGreaterThan(50_000);
    await deleteSweep(t.control, first.sweepId);
    expect(await t.prisma.dataset.count()).toBe(1);
    expect(await t.control.redis.exists(keys.dataset(t.control.prefix, hash))).toBe(1);
    await deleteSweep(t.control, second.sweepId);
    expect(await t.prisma.dataset.count()).toBe(0);
    expect(await t.control.redis.exists(keys.dataset(t.control.prefix, hash))).toBe(0);
  });

  it("go back to Redis when a sweep is resumed after losing them", async () => {
    await t.control.queues.runs.any.obliterate({ force: true });
    const { sweepId } = await submitSweep(t.control, { ...inline, name: "lost" });
    const hash = (await t.prisma.dataset.findFirstOrThrow()).sha256;
    await pauseSweep(t.control, sweepId);
    await t.control.redis.del(keys.dataset(t.control.prefix, hash));
    await resumeSweep(t.control, sweepId);
    expect(await t.control.redis.exists(keys.dataset(t.control.prefix, hash))).toBe(1);
    await deleteSweep(t.control, sweepId);
  });
});
