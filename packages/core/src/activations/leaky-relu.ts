import { z } from "zod";
import { defineActivation, UNBOUNDED_RANGE } from "./activation.ts";

/**
 * Leaky ReLU, f(z) = z for z > 0 else αz, f'(z) = 1 or α (Maas et al., ICML 2013). The slope α
 * (default 0.01) keeps a gradient flowing through negative inputs, so units cannot die.
 */
export const leakyRelu = defineActivation({
  name: "leaky_relu",
  code: 4,
  parameters: { alpha: { schema: z.number().min(0).lt(1), default: 0.01, doc: "slope for z < 0, in [0, 1)" } },
  create: ({ alpha }) => ({
    forward: (z) => (z > 0 ? z : alpha * z),
    derivative: (z) => (z > 0 ? 1 : alpha),
    range: UNBOUNDED_RANGE,
    alpha,
  }),
});
