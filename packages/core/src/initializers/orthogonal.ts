import type { Random } from "../random.ts";
import { defineInitializer } from "./initializer.ts";
import { z } from "zod";

/**
 * Orthogonal: W = gain·Q, Q from the QR decomposition of a standard normal matrix with the signs
 * of diag(R) folded in so Q is uniformly (Haar) distributed; rows are orthonormal when
 * rows ≤ cols, columns otherwise (Saxe, McClelland & Ganguli, ICLR 2014; as torch.nn.init.orthogonal_).
 * Fills `target` as a row-major rows × cols matrix; a vector is a 1 × n matrix, i.e. a unit vector.
 */
export function fillOrthogonal(target: Float64Array, rows: number, cols: number, gain: number, rng: Random): void {
  // Orthonormalise the k = min(rows, cols) vectors of length m = max(rows, cols) that are stored
  // contiguously in q; a transpose at the end puts them back as rows or columns.
  const transpose = rows > cols;
  const k = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const q = new Float64Array(k * m);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let i = 0; i < k; i++) {
    // Modified Gram–Schmidt, run twice ("twice is enough": Giraud et al., 2005) for full precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let t = 0; t < m; t++) dot += q[i * m + t]! * q[j * m + t]!;
        for (let t = 0; t < m; t++) q[i * m + t]! -= dot * q[j * m + t]!;
      }
    }
    let norm = 0;
    for (let t = 0; t < m; t++) norm += q[i * m + t]! ** 2;
    // Gram–Schmidt's norm is R's (positive) diagonal, so Q already carries sign(diag(R)) = +1.
    const scale = 1 / Math.sqrt(norm);
    for (let t = 0; t < m; t++) q[i * m + t]! *= scale;
  }
  for (let i = 0; i < q.length; i++) q[i]! *= gain;
  if (!transpose) {
    target.set(q);
    return;
  }
  for (let i = 0; i < k; i++) for (let t = 0; t < m; t++) target[t * k + i] = q[i * m + t]!;
}

/** gain · a (semi-)orthogonal matrix: see fillOrthogonal. */
export const orthogonal = defineInitializer({
  name: "orthogonal",
  parameters: { gain: { schema: z.number().finite().positive(), default: 1, doc: "factor on the orthonormal matrix, > 0" } },
  fill: ({ gain }, t, rng) => fillOrthogonal(t.values, t.rows, t.cols, gain, rng),
});
