import { rangeFrom, defineActivation } from "./activation.ts";

/**
 * Rectified linear unit, f(z) = max(0, z), f'(z) = 1 for z > 0 else 0 (Nair & Hinton, ICML 2010).
 * A unit whose input is negative for every sample passes no gradient: it is dead.
 */
export const relu = defineActivation({
  name: "relu",
  code: 3,
  parameters: {},
  create: () => ({
    forward: (z) => (z > 0 ? z : 0),
    derivative: (z) => (z > 0 ? 1 : 0),
    range: rangeFrom(0),
    alpha: 0,
  }),
});
