import "server-only";
import { describeError } from "@gradtrace/log";
import { watchProgress, type RunProgress } from "@gradtrace/queue";
import { log } from "./log.ts";
import { queueAddress } from "./server.ts";

type Listener = (progress: RunProgress) => void;

let listeners: Set<Listener> | undefined;

/**
 * Subscribes to live run progress, one watch shared by every client of this server process;
 * returns the unsubscribe function.
 */
export function onProgress(listener: Listener): () => void {
  if (!listeners) {
    const subscribed = new Set<Listener>();
    listeners = subscribed;
    const { redisUrl, prefix } = queueAddress();
    watchProgress(
      redisUrl,
      prefix,
      (p) => subscribed.forEach((l) => l(p)),
      (err) => log.warn({ err }, `live progress: ${describeError(err)}`),
    );
  }
  const current = listeners;
  current.add(listener);
  return () => current.delete(listener);
}
