import { fanScaled } from "./fill.ts";

/**
 * Xavier/Glorot: Var(W) = 2 / (fan_in + fan_out), the compromise that keeps both the forward
 * activations' and the backward gradients' variance constant through tanh/logistic layers near
 * their linear regime (Glorot & Bengio, "Understanding the difficulty of training deep
 * feedforward neural networks", AISTATS 2010). Normal: N(0, σ²); uniform: U(−√3σ, √3σ).
 */
export function xavierStd(fanIn: number, fanOut: number): number {
  return Math.sqrt(2 / (fanIn + fanOut));
}

/** xavier_normal and xavier_uniform. */
export const [xavierNormal, xavierUniform] = fanScaled("xavier", xavierStd);
