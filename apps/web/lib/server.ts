import type { Control } from "@gradtrace/control";
import { getPrisma } from "@gradtrace/db";
import { connectRedis, openQueues, redisEnv } from "@gradtrace/queue";

// One set of connections per server process, created on first use (and kept across hot reloads).
const globals = globalThis as typeof globalThis & { gradtraceControl?: Control };

/** The server's database, producer Redis connection and queues (REDIS_URL, DATABASE_URL). */
export function control(): Control {
  if (!globals.gradtraceControl) {
    const env = redisEnv();
    const redis = connectRedis(env.REDIS_URL, "producer", (e) => console.error(`redis: ${e.message}`));
    globals.gradtraceControl = {
      prisma: getPrisma(),
      redis,
      prefix: env.GRADTRACE_QUEUE_PREFIX,
      queues: openQueues(redis, env.GRADTRACE_QUEUE_PREFIX, (e) => console.error(`queue: ${e.message}`)),
    };
  }
  return globals.gradtraceControl;
}
