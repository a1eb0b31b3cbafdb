import { UNBOUNDED_RANGE, type Activation } from "./activation.ts";

/**
 * Exponential linear unit, f(z) = z for z > 0 else α(e^z − 1), f'(z) = 1 or f(z) + α
 * (Clevert, Unterthiner & Hochreiter, ICLR 2016). Negative outputs push mean activations to 0.
 */
export function elu(alpha: number): Activation {
  return {
    name: "elu",
    forward: (z) => (z > 0 ? z : alpha * Math.expm1(z)),
    derivative: (z, h) => (z > 0 ? 1 : h + alpha),
    range: UNBOUNDED_RANGE,
    alpha,
  };
}
