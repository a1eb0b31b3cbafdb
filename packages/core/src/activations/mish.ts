import { defineActivation, rangeFrom } from "./activation.ts";
import { sigmoid } from "./logistic.ts";

/** softplus(z) = ln(1 + e^z) without overflow for large |z|. */
const softplusOf = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/**
 * Mish, f(z) = z·tanh(softplus z), f'(z) = t + z·(1 − t²)·σ(z) with t = tanh(softplus z)
 * (Misra, "Mish: A Self Regularized Non-Monotonic Activation Function", BMVC 2020). Smooth and
 * non-monotonic like SiLU, with a small negative lobe (minimum ≈ −0.31) that keeps gradients alive.
 */
export const mish = defineActivation({
  name: "mish",
  code: 10,
  parameters: {},
  create: () => ({
    forward: (z) => z * Math.tanh(softplusOf(z)),
    derivative: (z) => {
      const t = Math.tanh(softplusOf(z));
      return t + z * (1 - t * t) * sigmoid(z);
    },
    // Mish's minimum is about −0.309.
    range: rangeFrom(-0.35),
    alpha: 0,
  }),
});
