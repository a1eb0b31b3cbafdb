import { rangeFrom, defineActivation } from "./activation.ts";
import { sigmoid } from "./logistic.ts";

/**
 * Softplus, f(z) = ln(1 + e^z), f'(z) = σ(z): a smooth ReLU (Dugas et al., NeurIPS 2000).
 * Written as max(z, 0) + ln(1 + e^(−|z|)) so large |z| neither overflows nor loses precision.
 */
export const softplus = defineActivation({
  name: "softplus",
  code: 9,
  parameters: {},
  create: () => ({
    forward: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
    derivative: (z) => sigmoid(z),
    range: rangeFrom(0),
    alpha: 0,
  }),
});
