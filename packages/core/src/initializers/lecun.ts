import { fanScaled } from "./fill.ts";

/**
 * LeCun: Var(W) = 1 / fan_in, unit-variance pre-activations for unit-variance inputs
 * (LeCun et al., "Efficient BackProp", 1998); the initialisation SELU's self-normalisation assumes
 * (Klambauer et al., NeurIPS 2017). Normal: N(0, σ²); uniform: U(−√3σ, √3σ).
 */
export function lecunStd(fanIn: number): number {
  return Math.sqrt(1 / fanIn);
}

/** lecun_normal and lecun_uniform. */
export const [lecunNormal, lecunUniform] = fanScaled("lecun", (fanIn) => lecunStd(fanIn));
