import "server-only";
import { openControl, type Control } from "@gradtrace/control";
import { getPrisma } from "@gradtrace/db";
import { redisEnv } from "@gradtrace/queue";
import { host } from "./host.ts";
import { log } from "./log.ts";

let own: Control | undefined;

/** Where the queues are: the host's Redis when a host provided it (gradtrace up), else REDIS_URL and GRADTRACE_QUEUE_PREFIX. */
export function queueAddress(): { redisUrl: string; prefix: string } {
  const hosted = host();
  if (hosted) return hosted;
  const env = redisEnv();
  return { redisUrl: env.REDIS_URL, prefix: env.GRADTRACE_QUEUE_PREFIX };
}

/**
 * The server's database, producer Redis connection and queues: the host's when a host provided
 * them (gradtrace up), else one set per server process opened from REDIS_URL and DATABASE_URL.
 */
export function control(): Control {
  const hosted = host();
  if (hosted) return hosted.control;
  if (!own) {
    const { redisUrl, prefix } = queueAddress();
    own = openControl(getPrisma(), redisUrl, prefix, log);
  }
  return own;
}
