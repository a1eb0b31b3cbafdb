import "server-only";
import { openControl, type Control } from "@gradtrace/control";
import { getPrisma } from "@gradtrace/db";
import { redisEnv } from "@gradtrace/queue";
import { host } from "./host.ts";
import { log } from "./log.ts";

let own: Control | undefined;

/**
 * The server's database, producer Redis connection and queues: the host's when a host provided
 * them (gradtrace up), else one set per server process opened from REDIS_URL and DATABASE_URL.
 */
export function control(): Control {
  const hosted = host();
  if (hosted) return hosted.control;
  if (!own) {
    const env = redisEnv();
    own = openControl(getPrisma(), env.REDIS_URL, env.GRADTRACE_QUEUE_PREFIX, log);
  }
  return own;
}
