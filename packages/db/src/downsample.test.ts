import { describe, expect, it } from "vitest";
import { downsample } from "./downsample.ts";

describe("downsample", () => {
  const epochs = Array.from({ length: 1001 }, (_, i) => i);
  const values = epochs.map((e) => (e === 537 ? 100 : Math.exp(-e / 200)));

  it("keeps first, last, min and max of each bucket, so spikes survive", () => {
    const buckets = downsample(epochs, values, 200);
    expect(buckets.length).toBeLessThanOrEqual(200);
    expect(buckets[0]).toMatchObject({ fromEpoch: 0, first: 1, max: 1 });
    expect(buckets.at(-1)!.toEpoch).toBe(1000);
    expect(buckets.at(-1)!.last).toBe(values[1000]);
    expect(Math.max(...buckets.map((b) => b.max))).toBe(100);
    const spike = buckets.find((b) => b.fromEpoch <= 537 && 537 <= b.toEpoch)!;
    expect(spike.max).toBe(100);
    for (const b of buckets) expect(b.min).toBeLessThanOrEqual(b.max);
  });

  it("returns the series itself when it has fewer points than buckets", () => {
    const buckets = downsample([0, 5, 10], [3, 2, 1], 200);
    expect(buckets.map((b) => [b.fromEpoch, b.first])).toEqual([
      [0, 3],
      [5, 2],
      [10, 1],
    ]);
  });

  it("ignores NaN for min and max but keeps it as first or last", () => {
    const [bucket] = downsample([0, 1, 2], [1, NaN, NaN], 1);
    expect(bucket).toMatchObject({ first: 1, min: 1, max: 1 });
    expect(bucket!.last).toBeNaN();
  });
});
