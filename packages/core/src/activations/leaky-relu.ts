import { UNBOUNDED_RANGE, type Activation } from "./activation.ts";

/**
 * Leaky ReLU, f(z) = z for z > 0 else αz, f'(z) = 1 or α (Maas et al., ICML 2013). The slope α
 * (default 0.01) keeps a gradient flowing through negative inputs, so units cannot die.
 */
export function leakyRelu(alpha: number): Activation {
  return {
    name: "leaky_relu",
    forward: (z) => (z > 0 ? z : alpha * z),
    derivative: (z) => (z > 0 ? 1 : alpha),
    range: UNBOUNDED_RANGE,
    alpha,
  };
}
