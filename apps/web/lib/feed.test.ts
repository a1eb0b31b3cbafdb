import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FEED_INTERVAL_MS, watch, watchedTopics } from "./feed.ts";
import { sharedRead } from "./shared-read.ts";

describe("the live feed", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("reads a topic once per interval however many watch it, and sends only changes", async () => {
    let value = 1;
    const read = vi.fn(async () => ({ value }));
    const got: string[][] = [[], [], []];
    const stops = got.map((into) => watch("t1", read, (json) => into.push(json)));
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toHaveBeenCalledTimes(1);
    expect(got).toEqual([['{"value":1}'], ['{"value":1}'], ['{"value":1}']]);
    // Nothing changed: read again, nothing sent.
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS * 3);
    expect(read).toHaveBeenCalledTimes(4);
    expect(got[0]).toHaveLength(1);
    value = 2;
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS);
    expect(got.map((g) => g.at(-1))).toEqual(Array(3).fill('{"value":2}'));
    // A late joiner gets the latest value at once, without another read.
    const late: string[] = [];
    const calls = read.mock.calls.length;
    const stopLate = watch("t1", read, (json) => late.push(json));
    expect(late).toEqual(['{"value":2}']);
    expect(read).toHaveBeenCalledTimes(calls);
    // The last to leave stops the reads.
    for (const stop of [...stops, stopLate]) stop();
    expect(watchedTopics()).toBe(0);
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS * 5);
    expect(read).toHaveBeenCalledTimes(calls);
  });

  it("forgets shared reads when a topic changes, so a watcher's refetch sees the change", async () => {
    let value = 1;
    const grid = vi.fn(async () => value);
    const stop = watch(
      "t3",
      async () => value,
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(await sharedRead("grid", grid, 60_000)).toBe(1);
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS);
    // Unchanged topic: the shared read stands.
    expect(await sharedRead("grid", grid, 60_000)).toBe(1);
    value = 2;
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS);
    expect(await sharedRead("grid", grid, 60_000)).toBe(2);
    expect(grid).toHaveBeenCalledTimes(2);
    stop();
  });

  it("keeps reading through failures, never overlapping reads, and sends non-finite numbers as on the wire", async () => {
    let fail = true;
    let running = 0;
    let overlapped = false;
    const read = async () => {
      overlapped ||= running > 0;
      running++;
      await new Promise((r) => setTimeout(r, FEED_INTERVAL_MS * 2.5));
      running--;
      if (fail) throw new Error("Postgres is down");
      return { loss: Number.NaN };
    };
    const got: string[] = [];
    const stop = watch("t2", read, (json) => got.push(json));
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS * 10);
    expect(got).toEqual([]);
    fail = false;
    await vi.advanceTimersByTimeAsync(FEED_INTERVAL_MS * 10);
    expect(got).toEqual(['{"loss":"NaN"}']);
    expect(overlapped).toBe(false);
    stop();
  });
});
