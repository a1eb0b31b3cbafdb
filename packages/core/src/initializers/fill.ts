import type { Random } from "../random.ts";

/** Fills `target` with draws from N(mean, std²). */
export function fillNormal(target: Float64Array, mean: number, std: number, rng: Random): void {
  for (let i = 0; i < target.length; i++) target[i] = mean + std * rng.normal();
}

/** Fills `target` with draws from U(−limit, limit). */
export function fillUniform(target: Float64Array, limit: number, rng: Random): void {
  for (let i = 0; i < target.length; i++) target[i] = rng.uniformIn(-limit, limit);
}

/** A U(−a, a) draw has standard deviation a/√3: fan-scaled uniform schemes use limit = √3·std. */
export const UNIFORM_LIMIT_PER_STD = Math.sqrt(3);
