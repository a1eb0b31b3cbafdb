import { defineActivation } from "./activation.ts";

/** Units outside [SATURATION_LOW, 1 - SATURATION_LOW] count as saturated: f' < 0.0099 there. */
export const LOGISTIC_SATURATION_LOW = 0.01;

/** σ(z) = 1 / (1 + e^(-z)), evaluated without overflow for either sign of z. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Logistic sigmoid, f(z) = σ(z), f'(z) = σ(z)(1 − σ(z)) ≤ 1/4. Its mean output of 1/2 and
 * small slope are why deep logistic nets train slowly (Glorot & Bengio, AISTATS 2010).
 */
export const logistic = defineActivation({
  name: "logistic",
  code: 1,
  parameters: {},
  create: () => ({
    forward: sigmoid,
    derivative: (_z, h) => h * (1 - h),
    saturation: [LOGISTIC_SATURATION_LOW, 1 - LOGISTIC_SATURATION_LOW],
    alpha: 0,
    range: [0, 1],
  }),
});
