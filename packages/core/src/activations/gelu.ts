import { rangeFrom, defineActivation } from "./activation.ts";

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

/**
 * Gaussian error linear unit, tanh form: f(z) = ½z(1 + tanh u), u = √(2/π)(z + 0.044715z³),
 * f'(z) = ½(1 + tanh u) + ½z(1 − tanh² u)·√(2/π)(1 + 3·0.044715z²)
 * (Hendrycks & Gimpel, 2016; the approximation BERT and GPT-2 use, as JavaScript has no erf).
 */
export const gelu = defineActivation({
  name: "gelu",
  code: 7,
  parameters: {},
  create: () => ({
    forward: (z) => 0.5 * z * (1 + Math.tanh(C * (z + K * z * z * z))),
    derivative: (z) => {
      const t = Math.tanh(C * (z + K * z * z * z));
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * C * (1 + 3 * K * z * z);
    },
    // GELU's minimum is about −0.170.
    range: rangeFrom(-0.2),
    alpha: 0,
  }),
});
