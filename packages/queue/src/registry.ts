import type { Redis } from "ioredis";
import { z } from "zod";
import { keys } from "./keys.ts";

/** What a worker announces about itself with each heartbeat. */
export const WorkerInfoSchema = z.object({
  id: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  device: z.enum(["cpu", "gpu"]),
  /** The adapter or CPU it trains on, in words. */
  deviceName: z.string(),
  concurrency: z.number().int().min(1),
  version: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  runs: z.array(z.object({ runId: z.string(), sweepId: z.string(), epoch: z.number().int(), epochs: z.number().int() })),
  completed: z.number().int().min(0),
  /** Runs finished in the last minute. */
  runsPerMinute: z.number().min(0),
});
export type WorkerInfo = z.infer<typeof WorkerInfoSchema>;

/** Publishes a worker's announcement for `ttlMs`; a worker that stops heartbeating disappears when it lapses. */
export async function announceWorker(redis: Redis, prefix: string, info: WorkerInfo, ttlMs: number): Promise<void> {
  await redis
    .multi()
    .set(keys.worker(prefix, info.id), JSON.stringify(info), "PX", ttlMs)
    .zadd(keys.workers(prefix), Date.now() + ttlMs, info.id)
    .exec();
}

/** Removes a worker's announcement at once (a clean shutdown). */
export async function withdrawWorker(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.multi().del(keys.worker(prefix, id)).zrem(keys.workers(prefix), id).exec();
}

/** The live workers, by id; lapsed ones are pruned on the way. */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerInfo[]> {
  await redis.zremrangebyscore(keys.workers(prefix), "-inf", Date.now());
  const ids = await redis.zrange(keys.workers(prefix), 0, -1);
  if (ids.length === 0) return [];
  const values = await redis.mget(ids.map((id) => keys.worker(prefix, id)));
  return values
    .flatMap((v) => (v ? [WorkerInfoSchema.safeParse(JSON.parse(v))] : []))
    .flatMap((p) => (p.success ? [p.data] : []))
    .sort((a, b) => a.id.localeCompare(b.id));
}
