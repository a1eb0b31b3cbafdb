import "server-only";
import { EPOCH_SCALARS, LAYER_METRICS } from "@gradtrace/core";
import type { EpochRecord } from "@gradtrace/core";
import { downsample, type Bucket } from "@gradtrace/db";

/** Series for charts, each downsampled to buckets: the epoch scalars, and each per-layer metric per layer. */
export interface ThinTrace {
  series: Record<(typeof EPOCH_SCALARS)[number], Bucket[]>;
  layerSeries: Record<(typeof LAYER_METRICS)[number], Bucket[][]>;
  /** At most `buckets` traced epochs in full, first and last included: for histograms and depth profiles. */
  epochs: EpochRecord[];
  epochCount: number;
}

const value = (v: number | null): number => (v === null ? Number.NaN : v);

/** Thins a trace to `buckets` (0: keep everything) for the run page and its charts. */
export function thinTrace(epochs: readonly EpochRecord[], buckets: number): ThinTrace {
  const n = epochs.length;
  const keep = buckets === 0 || n <= buckets ? n : buckets;
  const x = epochs.map((e) => e.epoch);
  const bucketsOf = (values: number[]) => downsample(x, values, keep);
  const layerCount = epochs[0]?.layers.length ?? 0;
  const picked =
    keep === n
      ? [...epochs]
      : Array.from(new Set(Array.from({ length: keep }, (_, i) => Math.round((i * (n - 1)) / Math.max(1, keep - 1))))).map((i) => epochs[i]!);
  return {
    series: Object.fromEntries(EPOCH_SCALARS.map((k) => [k, bucketsOf(epochs.map((e) => value(e[k])))])) as ThinTrace["series"],
    layerSeries: Object.fromEntries(
      LAYER_METRICS.map((m) => [m, Array.from({ length: layerCount }, (_, l) => bucketsOf(epochs.map((e) => value(e.layers[l]![m]))))]),
    ) as ThinTrace["layerSeries"],
    epochs: picked,
    epochCount: n,
  };
}
