import { defineActivation } from "./activation.ts";

/** Units with |h| above this count as saturated: f' < 0.02 there. */
export const TANH_SATURATION = 0.99;

/**
 * Hyperbolic tangent, f(z) = tanh z, f'(z) = 1 − tanh² z. Zero-centred, slope 1 at the origin:
 * the activation Xavier/Glorot initialisation was derived for (Glorot & Bengio, AISTATS 2010).
 */
export const tanh = defineActivation({
  name: "tanh",
  code: 2,
  parameters: {},
  create: () => ({
    forward: Math.tanh,
    derivative: (_z, h) => 1 - h * h,
    saturation: [-TANH_SATURATION, TANH_SATURATION],
    alpha: 0,
    range: [-1, 1],
  }),
});
