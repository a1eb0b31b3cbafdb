import type { Wired } from "@gradtrace/core/vocabulary";
import type { Bucket } from "@gradtrace/db";

/**
 * Twelve qualitative colours for series (layers, runs, groups), picked greedily from Tableau's and
 * Kelly's sets for the largest smallest CIELAB distance between any two (ΔE ≥ 36; the old palette
 * had two reds 0.6 apart), each dark enough to read on white. Series beyond twelve repeat them
 * with a dash pattern.
 */
export const SERIES_COLOURS = [
  "#1f77b4",
  "#e25822",
  "#1a7f37",
  "#8250df",
  "#f6a600",
  "#17becf",
  "#8c564b",
  "#ff9da7",
  "#2b3d26",
  "#8db600",
  "#875692",
  "#c2b280",
] as const;
const DASHES = [undefined, "6 3", "2 2", "8 3 2 3"] as const;

/** How the i-th series is drawn: its colour, and a dash pattern once the colours have been used. */
export function seriesStyle(i: number): { stroke: string; strokeDasharray?: string } {
  const stroke = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
  const dash = DASHES[Math.floor(i / SERIES_COLOURS.length) % DASHES.length];
  return dash ? { stroke, strokeDasharray: dash } : { stroke };
}

/**
 * A downsampled series as points to draw: each bucket's first value at its first epoch and its
 * last value at its last, so the first and the last epoch are always drawn (a 3,000-epoch run's
 * chart starts at epoch 0, not at the end of the first bucket).
 */
export function bucketPoints(buckets: ReadonlyArray<Wired<Bucket>>, read: (v: Wired<Bucket>["first"]) => number | null): Array<[number, number | null]> {
  const points: Array<[number, number | null]> = [];
  for (const b of buckets) {
    const [from, to] = [Number(b.fromEpoch), Number(b.toEpoch)];
    if (from !== to) points.push([from, read(b.first)]);
    points.push([to, read(b.last)]);
  }
  return points;
}

/** "Nice" linear ticks (steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-12 || hi - lo < 1e-300) {
    // One value (to rounding): a small span around it, so the line sits mid-chart with distinct labels.
    const pad = Math.max(Math.abs(lo) * 0.01, lo === 0 ? 1 : 1e-300);
    return niceTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / Math.max(1, target - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  // Of the nice steps near the raw one, the one that pads the data least, then gives nearest `target`
  // ticks: 0…500 gets 0, 100, …, 500 rather than 0, 200, …, 600.
  let best: { ticks: number[]; score: number } | undefined;
  for (const m of [0.1, 1, 10]) {
    for (const f of [1, 2, 2.5, 5]) {
      const ticks = stepTicks(lo, hi, f * m * magnitude);
      if (ticks.length < 3 || ticks.length > target + 3) continue;
      const score = (ticks.at(-1)! - ticks[0]! - (hi - lo)) / (hi - lo) + 0.05 * Math.abs(ticks.length - target);
      if (!best || score < best.score) best = { ticks, score };
    }
  }
  // A hair of tolerance: 4e-6 / 4 is a little over 1e-6 in floating point.
  return (
    best?.ticks ??
    stepTicks(
      lo,
      hi,
      [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw * (1 - 1e-9))!,
    )
  );
}

/** Ticks every `step` from the last multiple at or below `lo` to the first at or above `hi`. */
function stepTicks(lo: number, hi: number, step: number): number[] {
  // Ends on whole steps, a rounding error off (1e-6 / 1e-6 may be 0.9999999999) but always covering the data.
  // Multiplying whole steps (rather than adding) keeps 0.1 + 0.2 from becoming 0.30000000000000004.
  const tick = (k: number) => Number((k * step).toPrecision(12));
  let first = Math.floor(lo / step + 1e-9);
  if (tick(first) > lo) first--;
  let last = Math.ceil(hi / step - 1e-9);
  if (tick(last) < hi) last++;
  return Array.from({ length: last - first + 1 }, (_, i) => tick(first + i));
}

/** Ticks of a log axis: the powers of ten around [lo, hi] (lo > 0), every k-th when there are more than `most`. */
export function logTicks(lo: number, hi: number, most = 8): number[] {
  if (!(lo > 0) || !Number.isFinite(hi)) return [];
  const [a, b] = [Math.floor(Math.log10(lo)), Math.max(Math.ceil(Math.log10(hi)), Math.floor(Math.log10(lo)) + 1)];
  const every = Math.ceil((b - a + 1) / most);
  const start = Math.floor(a / every) * every;
  const ticks: number[] = [];
  for (let e = start; e < b + every; e += every) ticks.push(Number(`1e${e}`));
  return ticks;
}

/**
 * Labels for ticks, all distinct and short: as many decimals as the step between ticks needs
 * (0.6935, 0.694, 0.6945 rather than 0.694 three times); exponents for very small or large
 * magnitudes and on log axes beyond 10^±3 (1e-6, not a clipped 0.000001).
 */
export function tickLabels(ticks: readonly number[], log = false): string[] {
  if (log) return ticks.map((t) => (t >= 1e-3 && t <= 1e3 ? String(t) : `1e${Math.round(Math.log10(t))}`));
  const largest = Math.max(...ticks.map(Math.abs));
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : largest || 1;
  if (largest !== 0 && (largest < 1e-3 || largest >= 1e5)) {
    // Mantissa digits enough for the step at the largest tick's magnitude.
    const digits = Math.max(0, Math.floor(Math.log10(largest)) - Math.floor(Math.log10(step)));
    return ticks.map((t) =>
      t === 0
        ? "0"
        : t
            .toExponential(Math.min(digits, 6))
            .replace(/\.?0+e/, "e")
            .replace("e+", "e"),
    );
  }
  // The fewest decimals that write every tick exactly (a step of 0.25 needs two, of 0.5 one).
  let decimals = 0;
  while (decimals < 10 && ticks.some((t) => Math.abs(Number(t.toFixed(decimals)) - t) > step * 1e-6)) decimals++;
  return ticks.map((t) => (Object.is(Number(t.toFixed(decimals)), -0) ? 0 : t).toFixed(decimals));
}

/** A value axis for recharts: its domain, ticks and their labels, and the width the longest label needs. */
export interface ValueAxis {
  domain: [number, number];
  ticks: number[];
  format: (value: number) => string;
  width: number;
}

/**
 * The value axis of the finite values drawn (positive ones on a log axis, where zeros and
 * negatives cannot be drawn): nice ticks whose labels never repeat and are never clipped.
 * Undefined when nothing can be drawn (recharts' own axis then says nothing wrong).
 */
export function valueAxis(values: Iterable<number | null | undefined>, log = false): ValueAxis | undefined {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return undefined;
  const ticks = log ? logTicks(lo, hi) : niceTicks(lo, hi);
  const labels = tickLabels(ticks, log);
  const byValue = new Map(ticks.map((t, i) => [t, labels[i]!]));
  return {
    domain: [ticks[0]!, ticks.at(-1)!],
    ticks,
    format: (v) => byValue.get(v) ?? tickLabels([v], log)[0]!,
    width: 14 + 7 * Math.max(...labels.map((l) => l.length)),
  };
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first values are not pulled
 * towards 0): weight 0 is the raw series, 0.99 very smooth. Gaps (null) stay gaps and do not
 * reset the average.
 */
export function smooth(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (weight <= 0) return [...values];
  let [average, debias] = [0, 0];
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    average = weight * average + (1 - weight) * v;
    debias = weight * debias + (1 - weight);
    return average / debias;
  });
}
