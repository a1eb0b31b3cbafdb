import "server-only";
import { EPOCH_SCALARS, LAYER_METRICS } from "@gradtrace/core";
import type { EpochRecord } from "@gradtrace/core";
import { csv } from "@gradtrace/core/vocabulary";

/** A trace as CSV: one row per traced epoch, the scalars then every per-layer metric (layer1_gradNorm, …); null is empty. */
export function traceCsv(epochs: readonly EpochRecord[]): string {
  const layers = epochs[0]?.layers.length ?? 0;
  const header = ["epoch", ...EPOCH_SCALARS, ...Array.from({ length: layers }, (_, l) => LAYER_METRICS.map((m) => `layer${l + 1}_${m}`)).flat()];
  return csv(
    header,
    epochs.map((e) => [e.epoch, ...EPOCH_SCALARS.map((k) => e[k]), ...e.layers.flatMap((l) => LAYER_METRICS.map((m) => l[m]))]),
  );
}
