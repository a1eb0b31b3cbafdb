import { UNBOUNDED_RANGE, type Activation } from "./activation.ts";
import { sigmoid } from "./logistic.ts";

/**
 * Sigmoid-weighted linear unit (swish), f(z) = z·σ(z), f'(z) = σ(z)(1 + z(1 − σ(z)))
 * (Elfwing, Uchibe & Doya, 2018; Ramachandran, Zoph & Le, 2017).
 */
export const silu: Activation = {
  name: "silu",
  forward: (z) => z * sigmoid(z),
  derivative: (z) => {
    const s = sigmoid(z);
    return s * (1 + z * (1 - s));
  },
  range: UNBOUNDED_RANGE,
  alpha: 0,
};
