import { UNBOUNDED_RANGE, defineActivation } from "./activation.ts";

/**
 * Identity, f(z) = z, f'(z) = 1: the "no non-linearity" control. Any depth of identity layers
 * composes to one linear map, so the network is a linear classifier.
 */
export const identity = defineActivation({
  name: "identity",
  code: 0,
  parameters: {},
  create: () => ({
    forward: (z) => z,
    derivative: () => 1,
    range: UNBOUNDED_RANGE,
    alpha: 0,
  }),
});
