import type { EpochRecord } from "@gradtrace/core";

/**
 * How far a GPU trace may stray from the core's: float32 sums run in another order on the GPU
 * (one thread's dot product, tree reductions) than in the core's SIMD tiles, so values differ by
 * rounding, which training carries forward. Measured over 20 epochs: ≤ 3e-5 relative with SGD,
 * ≤ 2e-4 with Adam (which rescales tiny gradients). Allowed: 1e-3 relative plus 1e-5 absolute.
 * A histogram count may move to a neighbouring bin — a value within rounding of a bin's edge
 * falls on either side, and a collapsed layer puts many there (softmax outputs all ≈ 0.5, an
 * edge of 30 bins) — but no further, and counts move half a bin on average at most.
 */
export const PARITY = { relative: 1e-3, absolute: 1e-5, meanBinShift: 0.5 } as const;

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
      const gap = histogramGap(gl.histogram, cl.histogram);
      if (gap) gaps.push(`epoch ${c.epoch} layer ${l} histogram: ${gap}`);
    });
  });
  return gaps;
}

/**
 * Why histogram `gpu` is not `cpu` with some counts moved to a neighbouring bin, or null. The net
 * flow across each edge must fit in the bins beside it, and the earth mover's distance (Σ of the
 * cumulative counts' differences: bins moved, summed over counts) stays within PARITY.meanBinShift
 * per count.
 */
function histogramGap(gpu: readonly number[], cpu: readonly number[]): string | null {
  const total = cpu.reduce((s, n) => s + n, 0);
  if (gpu.reduce((s, n) => s + n, 0) !== total) return `${gpu.reduce((s, n) => s + n, 0)} counts, the core has ${total}`;
  let flow = 0;
  let moved = 0;
  for (let b = 0; b + 1 < cpu.length; b++) {
    // Counts that crossed the edge between bins b and b + 1, rightwards when positive.
    flow += cpu[b]! - gpu[b]!;
    moved += Math.abs(flow);
    const room = flow > 0 ? Math.min(cpu[b]!, gpu[b + 1]!) : Math.min(cpu[b + 1]!, gpu[b]!);
    if (Math.abs(flow) > room) return `${Math.abs(flow)} counts crossed the edge after bin ${b}, more than sat beside it`;
  }
  return moved > PARITY.meanBinShift * total ? `counts moved ${moved} bins in all, over ${PARITY.meanBinShift} per count` : null;
}
