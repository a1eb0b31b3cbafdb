import { rangeFrom, defineActivation } from "./activation.ts";

/** SELU's fixed constants, chosen so that mean 0 / variance 1 is a fixed point under LeCun init. */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;

/**
 * Scaled ELU, f(z) = λz for z > 0 else λα(e^z − 1), f'(z) = λ or f(z) + λα
 * (Klambauer et al., "Self-Normalizing Neural Networks", NeurIPS 2017).
 */
export const selu = defineActivation({
  name: "selu",
  code: 6,
  parameters: {},
  create: () => ({
    forward: (z) => (z > 0 ? SELU_LAMBDA * z : SELU_LAMBDA * SELU_ALPHA * Math.expm1(z)),
    derivative: (z, h) => (z > 0 ? SELU_LAMBDA : h + SELU_LAMBDA * SELU_ALPHA),
    range: rangeFrom(-SELU_LAMBDA * SELU_ALPHA),
    alpha: 0,
  }),
});
