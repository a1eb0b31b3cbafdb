import "server-only";
import { describeError } from "@gradtrace/log";
import { log } from "./log.ts";
import { RUN_TARGETS } from "@gradtrace/core";
import { redisEnv, runQueueName, RunProgressSchema, type RunProgress } from "@gradtrace/queue";
import { QueueEvents } from "bullmq";

type Listener = (progress: RunProgress) => void;
const globals = globalThis as typeof globalThis & { gradtraceLive?: Set<Listener> };

/**
 * Subscribes to live run progress (the runs' job progress, through one QueueEvents stream reader
 * per runs queue, shared by every client of this server process); returns the unsubscribe function.
 */
export function onProgress(listener: Listener): () => void {
  if (!globals.gradtraceLive) {
    const listeners = new Set<Listener>();
    globals.gradtraceLive = listeners;
    const env = redisEnv();
    for (const target of RUN_TARGETS) {
      const events = new QueueEvents(runQueueName(target), { connection: { url: env.REDIS_URL, maxRetriesPerRequest: null }, prefix: env.GRADTRACE_QUEUE_PREFIX });
      events.on("error", (err) => log.warn({ err }, `live progress: ${describeError(err)}`));
      events.on("progress", ({ data }) => {
        const parsed = RunProgressSchema.safeParse(data);
        if (parsed.success) listeners.forEach((l) => l(parsed.data));
      });
    }
  }
  const listeners = globals.gradtraceLive;
  listeners.add(listener);
  return () => listeners.delete(listener);
}
