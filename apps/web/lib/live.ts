import "server-only";
import { describeError } from "@gradtrace/log";
import { watchProgress, type ProgressWatch, type RunProgress } from "@gradtrace/queue";
import { log } from "./log.ts";
import { queueAddress } from "./server.ts";

type Listener = (progress: RunProgress) => void;

const listeners = new Set<Listener>();
let watch: ProgressWatch | undefined;

/**
 * Subscribes to live run progress, one watch shared by every client of this server process;
 * returns the unsubscribe function. The watch (its Redis connections) lives while someone
 * listens: when the last client leaves — a server stopping closes them all — it is closed, so
 * nothing keeps reconnecting to a Redis that is going away.
 */
export function onProgress(listener: Listener): () => void {
  if (!watch) {
    const { redisUrl, prefix } = queueAddress();
    watch = watchProgress(
      redisUrl,
      prefix,
      (p) => listeners.forEach((l) => l(p)),
      (err) => log.warn({ err }, `live progress: ${describeError(err)}`),
    );
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0 || !watch) return;
    const closing = watch;
    watch = undefined;
    void closing.close().catch((err: unknown) => log.warn({ err }, `live progress: closing: ${describeError(err)}`));
  };
}
