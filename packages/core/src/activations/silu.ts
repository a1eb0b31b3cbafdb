import { rangeFrom, defineActivation } from "./activation.ts";
import { sigmoid } from "./logistic.ts";

/**
 * Sigmoid-weighted linear unit (swish), f(z) = z·σ(z), f'(z) = σ(z)(1 + z(1 − σ(z)))
 * (Elfwing, Uchibe & Doya, 2018; Ramachandran, Zoph & Le, 2017).
 */
export const silu = defineActivation({
  name: "silu",
  code: 8,
  parameters: {},
  create: () => ({
    forward: (z) => z * sigmoid(z),
    derivative: (z) => {
      const s = sigmoid(z);
      return s * (1 + z * (1 - s));
    },
    // SiLU's minimum is about −0.278.
    range: rangeFrom(-0.3),
    alpha: 0,
  }),
});
