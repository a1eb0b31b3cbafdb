import type { Heap } from "./kernels/kernels.ts";

/** Units whose incoming weights and bias agree within this fraction of the layer's largest weight are copies. */
export const SYMMETRY_TOLERANCE = 1e-6;

/**
 * How many units of a layer are copies of another: (units − distinct) / (units − 1), with units
 * compared by their incoming weights (columns of Wt) and bias. 1 when zero or constant
 * initialisation never broke symmetry; 0 when every unit differs. `weightScale` is max |w| over
 * the weights, when the caller has it already.
 */
export function symmetry(heap: Heap, wt: number, b: number, nin: number, nout: number, weightScale?: number): number {
  if (nout < 2) return 0;
  let scale = weightScale ?? 0;
  if (weightScale === undefined) for (let i = 0; i < nin * nout; i++) scale = Math.max(scale, Math.abs(heap[wt + i]!));
  for (let o = 0; o < nout; o++) scale = Math.max(scale, Math.abs(heap[b + o]!));
  const tolerance = SYMMETRY_TOLERANCE * scale;
  const group = new Int32Array(nout).fill(-1);
  let distinct = 0;
  for (let u = 0; u < nout; u++) {
    if (group[u] !== -1) continue;
    group[u] = distinct++;
    for (let v = u + 1; v < nout; v++) {
      if (group[v] !== -1 || !(Math.abs(heap[b + u]! - heap[b + v]!) <= tolerance)) continue;
      let same = true;
      for (let k = 0; k < nin && same; k++) same = Math.abs(heap[wt + k * nout + u]! - heap[wt + k * nout + v]!) <= tolerance;
      if (same) group[v] = group[u]!;
    }
  }
  return (nout - distinct) / (nout - 1);
}
