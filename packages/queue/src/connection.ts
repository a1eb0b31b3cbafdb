import { Redis } from "ioredis";
import { z } from "zod";
import { withSecretFiles } from "@gradtrace/log";

export type { Redis } from "ioredis";

/** Where the queues live: a Redis URL and the key prefix every gradtrace key starts with. */
export const RedisEnvSchema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: "REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379" })
    .default("redis://127.0.0.1:6379"),
  GRADTRACE_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "GRADTRACE_QUEUE_PREFIX may hold letters, digits, _ . - (1–64 characters)" })
    .default("gradtrace"),
});
export type RedisEnv = z.infer<typeof RedisEnvSchema>;

/** Reads REDIS_URL (or the file REDIS_URL_FILE names) and GRADTRACE_QUEUE_PREFIX from `env`; throws an error naming the bad variable. */
export function redisEnv(env: NodeJS.ProcessEnv = process.env): RedisEnv {
  const parsed = RedisEnvSchema.safeParse(withSecretFiles(env, ["REDIS_URL"]));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}

/**
 * How a connection behaves while Redis is away. Workers and recorders wait for it to come back
 * (BullMQ requires `maxRetriesPerRequest: null` for them); producers — an HTTP request enqueueing
 * a sweep — fail at once instead of hanging.
 */
export type ConnectionRole = "worker" | "producer";

/** Opens one Redis connection for `role`, with its `error` listener attached (ioredis throws without one). */
export function connectRedis(url: string, role: ConnectionRole, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 1,
    enableOfflineQueue: role === "worker",
    retryStrategy: (times) => Math.min(200 * times, 2000),
    lazyConnect: false,
  });
  redis.on("error", throttled(onError));
  return redis;
}

/** Reports an error at most once per distinct message every 10 s: an outage retries many times a second. */
export function throttled(onError: (error: Error) => void): (error: Error) => void {
  const last = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if ((last.get(error.message) ?? 0) > now - 10_000) return;
    last.set(error.message, now);
    onError(error);
  };
}

/**
 * Whether an error says Redis cannot be reached now (a producer connection fails its commands
 * at once while disconnected): callers answer "unavailable, try again", not "failed".
 */
export function isQueueUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === "MaxRetriesPerRequestError" ||
    error.name === "QueueUnreachableError" ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "ETIMEDOUT" ||
    /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(error.message)
  );
}

/** Redis did not answer within the wait: nothing was written. */
export class QueueUnreachableError extends Error {
  override name = "QueueUnreachableError";
}

/**
 * Resolves once the connection is ready and answers PING; throws QueueUnreachableError after `ms`
 * (naming host and port, never the password). Lets a caller refuse before it writes anything.
 */
export async function reachQueue(redis: Redis, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (redis.status === "ready") {
      try {
        await redis.ping();
        return;
      } catch {
        // dropped between the status and the ping: wait as for a reconnect
      }
    }
    if (Date.now() >= deadline)
      throw new QueueUnreachableError(`the queue (Redis at ${redis.options.host}:${redis.options.port}) did not answer within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Redis refused the credentials of a URL: retrying cannot help. */
export class RedisAuthError extends Error {
  override name = "RedisAuthError";
}

/**
 * Connects once to check the URL's credentials before a long-lived process starts on it: throws
 * RedisAuthError when Redis refuses them (WRONGPASS, NOAUTH), resolves when it accepts them, and
 * also after `ms` while Redis cannot be reached at all (workers wait for it to come up).
 */
export async function checkRedisCredentials(url: string, ms = 5000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(200 * times, 1000),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
      redis.on("error", (error: Error) => {
        if (!/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(error.message)) return;
        clearTimeout(timer);
        reject(new RedisAuthError(`Redis at ${redis.options.host}:${redis.options.port} refused the credentials: ${error.message.split("\n")[0]}`));
      });
      redis.connect().catch(() => undefined);
    });
  } finally {
    redis.disconnect();
  }
}
