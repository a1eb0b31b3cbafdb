import "server-only";
import { log } from "./log.ts";
import { openControl, type Control } from "@gradtrace/control";
import { getPrisma } from "@gradtrace/db";
import { redisEnv } from "@gradtrace/queue";

// One set of connections per server process, created on first use (and kept across hot reloads).
const globals = globalThis as typeof globalThis & { gradtraceControl?: Control };

/** The server's database, producer Redis connection and queues (REDIS_URL, DATABASE_URL). */
export function control(): Control {
  if (!globals.gradtraceControl) {
    const env = redisEnv();
    globals.gradtraceControl = openControl(getPrisma(), env.REDIS_URL, env.GRADTRACE_QUEUE_PREFIX, log);
  }
  return globals.gradtraceControl;
}
