"use client";
import { useEffect, useRef } from "react";

/**
 * Listens to the server's event stream (GET /api/events…) while the component is mounted:
 * each named event's JSON goes to its handler. Handlers may change between renders; the
 * stream is opened once per URL. The browser reconnects a dropped stream by itself.
 */
export function useEventStream(url: string, handlers: Record<string, (data: unknown) => void>): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const source = new EventSource(url);
    for (const event of Object.keys(latest.current)) {
      source.addEventListener(event, (e) => latest.current[event]?.(JSON.parse((e as MessageEvent<string>).data)));
    }
    return () => source.close();
  }, [url]);
}

/**
 * Wraps a fetch-and-show function so that asking while it runs does not start a second one in
 * parallel: the asks are folded into one more run after it. Updates arriving faster than the
 * server answers are coalesced instead of queued, and the last answer shown is never older than
 * the last ask.
 */
export function useCoalesced(work: () => Promise<void>, onError: (error: Error) => void): () => void {
  const latest = useRef({ work, onError });
  latest.current = { work, onError };
  const state = useRef({ running: false, again: false });
  return useRef(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    const loop = async () => {
      do {
        s.again = false;
        try {
          await latest.current.work();
        } catch (error) {
          latest.current.onError(error as Error);
        }
      } while (s.again);
      s.running = false;
    };
    void loop();
  }).current;
}
