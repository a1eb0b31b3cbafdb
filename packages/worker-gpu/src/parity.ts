import type { EpochRecord } from "@gradtrace/core";

/**
 * How far a GPU trace may stray from the core's: float32 sums run in another order on the GPU
 * (one thread's dot product, tree reductions) than in the core's SIMD tiles, so values differ by
 * rounding, which training carries forward. Measured over 20 epochs: ≤ 3e-5 relative with SGD,
 * ≤ 2e-4 with Adam (which rescales tiny gradients). Allowed: 1e-3 relative plus 1e-5 absolute;
 * histogram counts may move between neighbouring bins for values at a bin's edge: 0.5% of the
 * counts plus 2.
 */
export const PARITY = { relative: 1e-3, absolute: 1e-5, histogram: 0.005 } as const;

const SCALARS = ["trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "outputStd"] as const;
const LAYER = ["gradNorm", "biasGradNorm", "weightNorm", "updateRatio", "preActivationMean", "preActivationStd", "activationMean", "activationStd", "saturatedFraction", "deadFraction", "symmetry"] as const;

/** Equal values (±Infinity and null included), both NaN, or finite numbers within PARITY. */
function close(a: number | null, b: number | null): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (a === null || b === null) return false;
  return Math.abs(a - b) <= PARITY.relative * Math.max(Math.abs(a), Math.abs(b)) + PARITY.absolute;
}

/** Where a GPU trace differs from the core's beyond PARITY, one line each (empty when they agree). */
export function parityGaps(gpu: readonly EpochRecord[], cpu: readonly EpochRecord[]): string[] {
  const gaps: string[] = [];
  if (gpu.length !== cpu.length) return [`${gpu.length} traced epochs, the core has ${cpu.length}`];
  cpu.forEach((c, e) => {
    const g = gpu[e]!;
    if (g.epoch !== c.epoch) gaps.push(`record ${e}: epoch ${g.epoch}, the core's is ${c.epoch}`);
    for (const k of SCALARS) if (!close(g[k], c[k])) gaps.push(`epoch ${c.epoch} ${k}: ${g[k]} vs the core's ${c[k]}`);
    c.layers.forEach((cl, l) => {
      const gl = g.layers[l]!;
      for (const k of LAYER) if (!close(gl[k], cl[k])) gaps.push(`epoch ${c.epoch} layer ${l} ${k}: ${gl[k]} vs the core's ${cl[k]}`);
      const total = cl.histogram.reduce((s, n) => s + n, 0);
      const moved = cl.histogram.reduce((s, n, b) => s + Math.abs(n - gl.histogram[b]!), 0);
      if (moved > PARITY.histogram * total + 2) gaps.push(`epoch ${c.epoch} layer ${l} histogram: ${moved} of ${total} counts differ`);
    });
  });
  return gaps;
}
