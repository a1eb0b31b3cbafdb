import { afterEach, describe, expect, it, vi } from "vitest";

// The web project's tests share only reads in flight (GRADTRACE_SHARE_MS=0); these test the default, a second.
vi.stubEnv("GRADTRACE_SHARE_MS", "1000");
const { forgetSharedReads, SHARE_MS, sharedJson, sharedRead } = await import("./shared-read.ts");

afterEach(() => {
  forgetSharedReads();
  vi.useRealTimers();
});

/** A read that counts its calls and finishes when told. */
function gate<T>(value: T) {
  let calls = 0;
  let open: () => void = () => undefined;
  const read = () => {
    calls++;
    return new Promise<T>((resolve) => (open = () => resolve(value)));
  };
  return { read, calls: () => calls, open: () => open() };
}

describe("shared reads", () => {
  it("read once for every caller while a read runs and for maxAge after it", async () => {
    vi.useFakeTimers();
    const g = gate(42);
    const pending = Array.from({ length: 50 }, () => sharedRead("grid", g.read, 1000));
    g.open();
    expect(await Promise.all(pending)).toEqual(Array(50).fill(42));
    vi.advanceTimersByTime(999);
    expect(await sharedRead("grid", g.read, 1000)).toBe(42);
    expect(g.calls()).toBe(1);
    vi.advanceTimersByTime(1);
    const again = sharedRead("grid", g.read, 1000);
    g.open();
    expect(await again).toBe(42);
    expect(g.calls()).toBe(2);
  });

  it("shares a read kept for no time while it runs, and reads anew after", async () => {
    const g = gate(7);
    const [a, b] = [sharedRead("outcomes", g.read, 0), sharedRead("outcomes", g.read, 0)];
    g.open();
    expect([await a, await b]).toEqual([7, 7]);
    expect(g.calls()).toBe(1);
    const c = sharedRead("outcomes", g.read, 0);
    g.open();
    expect(await c).toBe(7);
    expect(g.calls()).toBe(2);
  });

  it("keeps keys apart, keeps no failure, and forgets everything after a change", async () => {
    expect(SHARE_MS).toBe(1000);
    let n = 0;
    const count = async () => ++n;
    expect([await sharedRead("a", count), await sharedRead("b", count), await sharedRead("a", count)]).toEqual([1, 2, 1]);
    await expect(sharedRead("bad", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await sharedRead("bad", count)).toBe(3);
    forgetSharedReads();
    expect(await sharedRead("a", count)).toBe(4);
  });

  it("keeps a completed sweep's reads under its stamp, through changes elsewhere, until the stamp changes", async () => {
    vi.useFakeTimers();
    let n = 0;
    const read = async () => ({ n: ++n });
    const body = async (stamp: string | null) => (await sharedJson(new Request("http://x/api/sweeps/s/columns"), read, stamp)).json();
    expect(await body("2026-12-03T10:00:00.000Z")).toEqual({ n: 1 });
    vi.advanceTimersByTime(60 * 60_000);
    forgetSharedReads();
    expect(await body("2026-12-03T10:00:00.000Z")).toEqual({ n: 1 });
    // Running again (no stamp): read again, then shared for a second only.
    expect(await body(null)).toEqual({ n: 2 });
    vi.advanceTimersByTime(1000);
    expect(await body(null)).toEqual({ n: 3 });
    // Completed again: a new stamp, a new read.
    expect(await body("2026-12-03T11:00:00.000Z")).toEqual({ n: 4 });
    expect(await body("2026-12-03T11:00:00.000Z")).toEqual({ n: 4 });
  });

  it("serves JSON in wire form once per path and query", async () => {
    let n = 0;
    const read = async () => ({ n: ++n, loss: NaN });
    const body = async (url: string) => (await sharedJson(new Request(url), read)).json();
    expect(await body("http://x/api/a?q=1")).toEqual({ n: 1, loss: "NaN" });
    expect(await body("http://x/api/a?q=1")).toEqual({ n: 1, loss: "NaN" });
    expect(await body("http://x/api/a?q=2")).toEqual({ n: 2, loss: "NaN" });
  });
});
