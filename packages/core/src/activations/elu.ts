import { z } from "zod";
import { defineActivation, rangeFrom } from "./activation.ts";

/**
 * Exponential linear unit, f(z) = z for z > 0 else α(e^z − 1), f'(z) = 1 or f(z) + α
 * (Clevert, Unterthiner & Hochreiter, ICLR 2016). Negative outputs push mean activations to 0.
 */
export const elu = defineActivation({
  name: "elu",
  code: 5,
  parameters: { alpha: { schema: z.number().finite().positive(), default: 1, doc: "the value f approaches as z → −∞ is −α; α > 0" } },
  create: ({ alpha }) => ({
    forward: (z) => (z > 0 ? z : alpha * Math.expm1(z)),
    derivative: (z, h) => (z > 0 ? 1 : h + alpha),
    range: rangeFrom(-alpha),
    alpha,
  }),
});
