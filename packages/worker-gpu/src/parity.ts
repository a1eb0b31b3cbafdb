import { EPOCH_SCALARS, LAYER_METRICS, type EpochRecord } from "@gradtrace/core";

/**
 * How far a GPU trace may stray from the core's: float32 sums run in another order on the GPU
 * (one thread's dot product, tree reductions) than in the core's SIMD tiles, so values differ by
 * rounding, which training carries forward. `npm run parity -w @gradtrace/worker-gpu` measures it
 * beside the core's own js-vs-wasm kernels: with SGD the GPU strays as little as those do (worst
 * ~1e-4 over 20 epochs, every activation, 1 and 8 hidden layers). Adam is another matter: it
 * divides by √v, so rounding in near-zero gradients moves whole updates, and deep nets' traces
 * part within 20 epochs on any two kernel sets (the core's js and wasm too). So this tolerance,
 * 1e-3 relative plus 1e-5 absolute, is for the SGD family and for shallow nets under Adam.
 * A histogram count may move to a neighbouring bin — a value within rounding of a bin's edge
 * falls on either side, and a collapsed layer puts many there (softmax outputs all ≈ 0.5, an
 * edge of 30 bins) — but no further, and counts move half a bin on average at most.
 */
export const PARITY = { relative: 1e-3, absolute: 1e-5, meanBinShift: 0.5 } as const;

/** Equal values (±Infinity and null included), both NaN, or finite numbers within PARITY. */
function close(a: number | null, b: number | null): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (a === null || b === null) return false;
  return Math.abs(a - b) <= PARITY.relative * Math.max(Math.abs(a), Math.abs(b)) + PARITY.absolute;
}

/** Calls `visit` with every scalar of two traces side by side, named, epoch by epoch. */
function eachValue(gpu: readonly EpochRecord[], cpu: readonly EpochRecord[], visit: (name: string, g: number | null, c: number | null) => void): void {
  cpu.forEach((c, e) => {
    const g = gpu[e]!;
    for (const k of EPOCH_SCALARS) visit(`epoch ${c.epoch} ${k}`, g[k], c[k]);
    c.layers.forEach((cl, l) => {
      for (const k of LAYER_METRICS) visit(`epoch ${c.epoch} layer ${l} ${k}`, g.layers[l]![k], cl[k]);
    });
  });
}

/** Where a GPU trace differs from the core's beyond PARITY, one line each (empty when they agree). */
export function parityGaps(gpu: readonly EpochRecord[], cpu: readonly EpochRecord[]): string[] {
  if (gpu.length !== cpu.length) return [`${gpu.length} traced epochs, the core has ${cpu.length}`];
  const gaps = cpu.flatMap((c, e) => (gpu[e]!.epoch === c.epoch ? [] : [`record ${e}: epoch ${gpu[e]!.epoch}, the core's is ${c.epoch}`]));
  eachValue(gpu, cpu, (name, g, c) => {
    if (!close(g, c)) gaps.push(`${name}: ${g} vs the core's ${c}`);
  });
  cpu.forEach((c, e) =>
    c.layers.forEach((cl, l) => {
      const gl = gpu[e]!.layers[l]!;
      const gap = histogramGap(gl.histogram, cl.histogram);
      if (gap) gaps.push(`epoch ${c.epoch} layer ${l} histogram: ${gap}`);
      const zGap = histogramGap(gl.preActivationHistogram ?? [], cl.preActivationHistogram ?? []);
      if (zGap) gaps.push(`epoch ${c.epoch} layer ${l} pre-activation histogram: ${zGap}`);
    }),
  );
  return gaps;
}

/**
 * The largest deviation of a GPU trace from the core's over every finite scalar, as
 * |gpu − core| / (|core| + 1e-3) (the floor keeps values near 0 from dominating), and where.
 */
export function worstDeviation(gpu: readonly EpochRecord[], cpu: readonly EpochRecord[]): { deviation: number; where: string } {
  let worst = { deviation: 0, where: "" };
  eachValue(gpu, cpu, (name, g, c) => {
    if (g === null || c === null || !Number.isFinite(g) || !Number.isFinite(c)) return;
    const deviation = Math.abs(g - c) / (Math.abs(c) + 1e-3);
    if (deviation > worst.deviation) worst = { deviation, where: `${name}: ${g} vs ${c}` };
  });
  return worst;
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
