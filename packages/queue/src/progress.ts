import { RUN_TARGETS } from "@gradtrace/core";
import { QueueEvents } from "bullmq";
import { RunProgressSchema, runQueueName, type RunProgress } from "./contracts.ts";

/** A subscription to live run progress; `close` stops reading. */
export interface ProgressWatch {
  close(): Promise<void>;
}

/**
 * Watches every runs queue's job progress (what RunReporter publishes) through one QueueEvents
 * stream reader per queue, each on its own connection as BullMQ requires for blocking reads;
 * hands each valid RunProgress to `onProgress` and drops what does not parse.
 */
export function watchProgress(redisUrl: string, prefix: string, onProgress: (progress: RunProgress) => void, onError: (error: Error) => void): ProgressWatch {
  const readers = RUN_TARGETS.map((target) => {
    const events = new QueueEvents(runQueueName(target), { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix });
    events.on("error", onError);
    events.on("progress", ({ data }) => {
      const parsed = RunProgressSchema.safeParse(data);
      if (parsed.success) onProgress(parsed.data);
    });
    return events;
  });
  return { close: async () => void (await Promise.all(readers.map((r) => r.close()))) };
}
