import "server-only";
import { toWire } from "@gradtrace/core";
import { describeError } from "@gradtrace/log";
import { FEED_INTERVAL_MS } from "./feed-interval.ts";
import { log } from "./log.ts";
import { forgetSharedReads } from "./shared-read.ts";

/** Gets a topic's value as JSON text (wire form), each time it changes. */
type Listener = (json: string) => void;

interface Topic {
  listeners: Set<Listener>;
  /** The last value read, as sent. */
  last?: string;
  timer?: ReturnType<typeof setTimeout>;
  /** The last failure's message, so an outage is logged once, not every second. */
  failing?: string;
}

const topics = new Map<string, Topic>();

export { FEED_INTERVAL_MS } from "./feed-interval.ts";

/**
 * Watches `key`: while anyone watches it, `read` runs once per interval for the whole server
 * process — however many pages watch — and each watcher gets the latest value at once and every
 * changed value after (the JSON is made once and fanned out). Returns the unsubscribe function;
 * the last one to leave stops the reads. `read` must give the same thing for the same key.
 */
export function watch(key: string, read: () => Promise<unknown>, listener: Listener): () => void {
  let topic = topics.get(key);
  if (!topic) {
    const created: Topic = { listeners: new Set() };
    topics.set(key, created);
    // Reads never overlap: the next is scheduled once one has finished.
    const poll = async () => {
      try {
        const json = JSON.stringify(toWire(await read()));
        created.failing = undefined;
        if (json !== created.last) {
          created.last = json;
          // Watchers refetch what changed: they must not be handed a shared read from before the change.
          forgetSharedReads();
          for (const l of created.listeners) l(json);
        }
      } catch (err) {
        const message = describeError(err);
        if (message !== created.failing) log.warn({ err, key }, `live feed ${key}: ${message}`);
        created.failing = message;
      }
      if (topics.get(key) === created) created.timer = setTimeout(() => void poll(), FEED_INTERVAL_MS);
    };
    void poll();
    topic = created;
  } else if (topic.last !== undefined) {
    listener(topic.last);
  }
  topic.listeners.add(listener);
  const joined = topic;
  return () => {
    joined.listeners.delete(listener);
    if (joined.listeners.size > 0 || topics.get(key) !== joined) return;
    topics.delete(key);
    clearTimeout(joined.timer);
  };
}

/** How many topics are being read now (for tests: every page gone means none). */
export function watchedTopics(): number {
  return topics.size;
}
