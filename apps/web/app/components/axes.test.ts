import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bucketPoints, logTicks, niceTicks, SERIES_COLOURS, seriesStyle, smooth, tickLabels, valueAxis } from "./axes.ts";

/** CIELAB of an sRGB colour (D65), for distances between colours as people see them. */
function lab(hex: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

describe("series styles", () => {
  it("has twelve colours, every two at least ΔE 30 apart and each readable on white", () => {
    expect(SERIES_COLOURS).toHaveLength(12);
    for (const [i, a] of SERIES_COLOURS.entries()) {
      expect(lab(a)[0], a).toBeLessThan(80);
      for (const b of SERIES_COLOURS.slice(i + 1)) expect(Math.hypot(...lab(a).map((v, k) => v - lab(b)[k]!)), `${a} vs ${b}`).toBeGreaterThan(30);
    }
  });

  it("draws 48 series each in its own colour and dash", () => {
    const styles = Array.from({ length: 48 }, (_, i) => JSON.stringify(seriesStyle(i)));
    expect(new Set(styles).size).toBe(48);
    expect(seriesStyle(0).strokeDasharray).toBeUndefined();
    expect(seriesStyle(12).stroke).toBe(seriesStyle(0).stroke);
  });
});

describe("ticks", () => {
  it("labels a narrow range without repeats", () => {
    const ticks = niceTicks(0.6935, 0.6949);
    const labels = tickLabels(ticks);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(["0.6935", "0.6940", "0.6945", "0.6950"]);
  });

  it("pads the data least: 0…500 epochs on hundreds, not up to 600", () => {
    expect(niceTicks(0, 500)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(0, 60)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(0.2, 1)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("writes tiny and huge values with exponents, and log ticks as powers of ten", () => {
    expect(tickLabels(niceTicks(1e-6, 5e-6))).toEqual(["1e-6", "2e-6", "3e-6", "4e-6", "5e-6"]);
    expect(tickLabels(logTicks(3e-5, 2), true)).toEqual(["1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10"]);
    expect(logTicks(3e-7, 2)).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1, 100]);
    const wide = logTicks(1e-30, 1e10);
    expect(wide.length).toBeLessThanOrEqual(8);
    expect([wide[0], wide.at(-1)! >= 1e10]).toEqual([1e-30, true]);
    expect(tickLabels([0, 0.25, 0.5, 0.75, 1])).toEqual(["0.00", "0.25", "0.50", "0.75", "1.00"]);
  });

  it("covers the data with at most a dozen distinct labels, for any finite range", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.double({ min: -1e12, max: 1e12, noNaN: true }), (a, b) => {
        const axis = valueAxis([a, b])!;
        expect(axis.domain[0]).toBeLessThanOrEqual(Math.min(a, b));
        expect(axis.domain[1]).toBeGreaterThanOrEqual(Math.max(a, b));
        expect(axis.ticks.length).toBeLessThanOrEqual(12);
        const labels = axis.ticks.map(axis.format);
        expect(new Set(labels).size).toBe(labels.length);
        expect(Math.max(...labels.map((l) => l.length))).toBeLessThanOrEqual(12);
      }),
    );
  });

  it("leaves out what a log axis cannot draw, and has no axis for no data", () => {
    expect(valueAxis([0, -1, 1e-3, 10], true)!.domain).toEqual([1e-3, 10]);
    expect(valueAxis([null, NaN, Infinity])).toBeUndefined();
  });
});

describe("downsampled points and smoothing", () => {
  it("draws the first and the last epoch of a long run", () => {
    const buckets = [
      { fromEpoch: 0, toEpoch: 14, first: 2.3, last: 1.1, min: 1.1, max: 2.3 },
      { fromEpoch: 15, toEpoch: 29, first: 1.0, last: 0.5, min: 0.5, max: 1.0 },
      { fromEpoch: 30, toEpoch: 30, first: 0.4, last: 0.4, min: 0.4, max: 0.4 },
    ];
    expect(bucketPoints(buckets, (v) => Number(v))).toEqual([
      [0, 2.3],
      [14, 1.1],
      [15, 1],
      [29, 0.5],
      [30, 0.4],
    ]);
  });

  it("smooths like TensorBoard: unbiased from the start, gaps kept", () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1]);
    const s = smooth([0, 10, null, 10], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(20 / 3);
    expect(s[2]).toBeNull();
    expect(s[3]).toBeCloseTo(60 / 7);
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });
});
