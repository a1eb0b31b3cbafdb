import { randomUUID } from "node:crypto";
import { parseRunSpec } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { connectRedis, redisEnv } from "./connection.ts";
import { PAYLOAD_VERSION, type RunJob } from "./contracts.ts";
import { enqueueRuns, haltedSweeps, haltSweep, removeRuns, unhaltSweep } from "./producer.ts";
import { announceWorker, listWorkers, withdrawWorker, type WorkerInfo } from "./registry.ts";
import { testQueues } from "./test-queues.ts";

const { prefix, redis, queues } = testQueues("producer");

const spec = parseRunSpec({ dataset: { name: "moons" }, model: { hidden: [4], activation: "tanh", weightInit: "xavier_normal" }, training: { epochs: 1 } });
const job = (sweepId: string): RunJob => ({ v: PAYLOAD_VERSION, runId: randomUUID(), sweepId, spec, device: "any" as const });

describe("producer helpers", () => {
  it("enqueue runs in chunks under their run ids, never twice, and remove waiting ones", async () => {
    const sweepId = randomUUID();
    const jobs = Array.from({ length: 25 }, () => job(sweepId));
    await enqueueRuns(queues.runs.any, jobs, 10);
    await enqueueRuns(queues.runs.any, jobs.slice(0, 5), 10);
    expect(await queues.runs.any.getWaitingCount()).toBe(25);
    expect((await queues.runs.any.getJob(jobs[3]!.runId))!.data).toMatchObject({ runId: jobs[3]!.runId, sweepId });
    expect(
      await removeRuns(
        queues.runs.any,
        jobs.slice(0, 20).map((j) => j.runId),
        8,
      ),
    ).toBe(20);
    expect(await queues.runs.any.getWaitingCount()).toBe(5);
  });

  it("halt sweeps and tell which are halted in one round trip", async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await haltSweep(redis, prefix, a, "cancelled");
    await haltSweep(redis, prefix, b, "paused");
    expect(await haltedSweeps(redis, prefix, [a, b, c])).toEqual(
      new Map([
        [a, "cancelled"],
        [b, "paused"],
      ]),
    );
    await unhaltSweep(redis, prefix, b);
    expect(await haltedSweeps(redis, prefix, [b])).toEqual(new Map());
    expect(await redis.ttl(`${prefix}:sweep:${a}:halt`)).toBeGreaterThan(6 * 86_400);
  });

  it("fail at once, with no queueing, when Redis cannot be reached", async () => {
    const away = connectRedis("redis://127.0.0.1:1", "producer", () => undefined);
    const started = Date.now();
    await expect(away.set("k", "v")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    away.disconnect();
  });

  it("read REDIS_URL and the prefix from the environment, naming a bad variable", () => {
    expect(redisEnv({})).toEqual({ REDIS_URL: "redis://127.0.0.1:6379", GRADTRACE_QUEUE_PREFIX: "gradtrace" });
    expect(() => redisEnv({ REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => redisEnv({ GRADTRACE_QUEUE_PREFIX: "a b" })).toThrow(/GRADTRACE_QUEUE_PREFIX may hold/);
  });
});

describe("the worker registry", () => {
  const info = (id: string): WorkerInfo => ({
    id,
    host: "h",
    pid: 1,
    device: "cpu",
    deviceName: "test",
    concurrency: 2,
    version: "0.1.0",
    startedAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    runs: [],
    completed: 0,
    runsPerMinute: 0,
  });

  it("lists announced workers until they withdraw or their announcement lapses", async () => {
    await announceWorker(redis, prefix, info("w-a"), 60_000);
    await announceWorker(redis, prefix, info("w-b"), 300);
    expect((await listWorkers(redis, prefix)).map((w) => w.id)).toEqual(["w-a", "w-b"]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await listWorkers(redis, prefix)).map((w) => w.id)).toEqual(["w-a"]);
    await withdrawWorker(redis, prefix, "w-a");
    expect(await listWorkers(redis, prefix)).toEqual([]);
  });
});
