import "server-only";
import { toWire } from "@gradtrace/core";
import { completedStamp, sweepOutcomes, type PrismaClient, type SweepOutcomes } from "@gradtrace/db";
import { FEED_INTERVAL_MS } from "./feed-interval.ts";

interface Entry {
  value: Promise<unknown>;
  /** When the read finished (ms), or undefined while it runs. */
  settled?: number;
  /** Kept under a completed sweep's stamp (see sharedAnswer): not forgotten after a change elsewhere. */
  stamped?: boolean;
}

/** How long a finished read is shared (ms): GRADTRACE_SHARE_MS, by default the live feed's interval; 0 shares only reads in flight. */
export const SHARE_MS = process.env.GRADTRACE_SHARE_MS === undefined ? FEED_INTERVAL_MS : Math.max(0, Number(process.env.GRADTRACE_SHARE_MS) || 0);

// On globalThis: Next bundles route handlers and pages apart, each with its own copy of this
// module, and a change made through a route must be forgotten by the pages too.
const entries: Map<string, Entry> = ((globalThis as { [key: symbol]: Map<string, Entry> })[Symbol.for("gradtrace.shared-reads")] ??= new Map());
/** Entries kept at most: each is one page or route answer, dropped oldest first. */
const MOST = 500;

/**
 * The value of `read` for `key`, shared by every request of this server process that asks while
 * a read runs or within `maxAgeMs` after it finished (the live feed's interval: a view is never
 * staler than its live updates). Fifty clients asking for one 10,000-run sweep's grid cost one
 * query, not fifty. A failed read is not kept; `forgetSharedReads` drops everything after a change.
 */
export function sharedRead<T>(key: string, read: () => Promise<T>, maxAgeMs = SHARE_MS, stamped = false): Promise<T> {
  const hit = entries.get(key);
  if (hit && (hit.settled === undefined || Date.now() - hit.settled < maxAgeMs)) return hit.value as Promise<T>;
  const entry: Entry = { value: read(), stamped };
  entries.delete(key);
  entries.set(key, entry);
  const drop = () => entries.get(key) === entry && entries.delete(key);
  // What may not be kept at all is let go once it is read, not left to the count of entries.
  entry.value.then(() => (maxAgeMs > 0 ? (entry.settled = Date.now()) : drop()), drop);
  for (const old of entries.keys()) {
    if (entries.size <= MOST) break;
    entries.delete(old);
  }
  return entry.value as Promise<T>;
}

/**
 * JSON text that `read` makes, shared under `key` (a request's path and query) as sharedRead
 * shares reads. With a `stamp` — a completed sweep's (`completedStamp`), for a read of nothing but
 * its runs' results — the text is kept as long as the stamp stays (a retry changes it) instead of
 * for a second: a finished 10,000-run sweep's importance, slices and columns are computed once,
 * not for every visitor every second. GRADTRACE_SHARE_MS=0 keeps nothing, stamped or not.
 */
export function sharedAnswer(key: string, read: () => Promise<string>, stamp: string | null = null): Promise<string> {
  return stamp === null || SHARE_MS === 0 ? sharedRead(`json:${key}`, read) : sharedRead(`json:${key}@${stamp}`, read, Infinity, true);
}

/** A response of JSON text. */
export function jsonText(text: string): Response {
  return new Response(text, { headers: { "content-type": "application/json" } });
}

/** sharedAnswer as the response to `request`, keyed by its path and query. */
export async function sharedText(request: Request, read: () => Promise<string>, stamp: string | null = null): Promise<Response> {
  const url = new URL(request.url);
  return jsonText(await sharedAnswer(`${url.pathname}${url.search}`, read, stamp));
}

/** A sweep's completedStamp, shared as any read is: one query per GRADTRACE_SHARE_MS however many requests ask for its figures. */
export function sweepStamp(prisma: PrismaClient, sweepId: string): Promise<string | null> {
  return sharedRead(`stamp:${sweepId}`, () => completedStamp(prisma, sweepId));
}

/**
 * A sweep's outcomes (every run's status, settings and final metrics), read once for the requests
 * that ask at the same time — the sweep page's columns, importance and slices come together — and
 * then let go: megabytes at 10,000 runs, and what is computed from them is kept instead.
 */
export function sharedOutcomes(prisma: PrismaClient, sweepId: string): Promise<SweepOutcomes> {
  return sharedRead(`outcomes:${sweepId}`, () => sweepOutcomes(prisma, sweepId), 0);
}

/** sharedAnswer of `read`'s value in wire form: serialised once for every request that shares it. */
export function sharedWireAnswer(key: string, read: () => Promise<unknown>, stamp: string | null = null): Promise<string> {
  return sharedAnswer(key, wireText(read), stamp);
}

/** A read of `read`'s value as JSON text in wire form. */
function wireText(read: () => Promise<unknown>): () => Promise<string> {
  return async () => JSON.stringify(toWire(await read()));
}

/** sharedText of `read`'s value in wire form: serialised once for every request that shares it. */
export function sharedJson(request: Request, read: () => Promise<unknown>, stamp: string | null = null): Promise<Response> {
  return sharedText(request, wireText(read), stamp);
}

/**
 * Forgets the shared reads: called after a change made through this process (a rename, a cancel,
 * a delete) or seen by the live feed, so whoever looks next sees it. Reads kept under a completed
 * sweep's stamp stay: no such change alters them, and the one that does (a retry) changes the stamp.
 */
export function forgetSharedReads(): void {
  for (const [key, entry] of entries) if (!entry.stamped) entries.delete(key);
}
