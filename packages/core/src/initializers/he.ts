import { fanScaled } from "./fill.ts";

/**
 * He/Kaiming: Var(W) = 2 / fan_in. ReLU zeroes half of its inputs, halving the variance each layer;
 * the factor 2 restores it, so activations keep their scale through any depth of ReLU layers
 * (He et al., "Delving Deep into Rectifiers", ICCV 2015). Normal: N(0, σ²), as PyTorch draws it
 * (Keras truncates at 2σ); uniform: U(−√3σ, √3σ).
 */
export function heStd(fanIn: number): number {
  return Math.sqrt(2 / fanIn);
}

/** he_normal and he_uniform. */
export const [heNormal, heUniform] = fanScaled("he", (fanIn) => heStd(fanIn));
