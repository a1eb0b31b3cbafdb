import { z } from "zod";
import type { Random } from "../random.ts";
import { defineInitializer, type InitTarget } from "./initializer.ts";

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

/** N(mean, std²) for every entry, whatever the layer's size: "small random weights". */
export const normal = defineInitializer({
  name: "normal",
  parameters: {
    std: { schema: z.number().finite().positive(), example: 0.01, doc: "standard deviation, > 0" },
    mean: { schema: z.number().finite(), default: 0, doc: "mean" },
  },
  fill: ({ mean, std }, target, rng) => fillNormal(target.values, mean, std, rng),
});

/** U(−limit, limit) for every entry, whatever the layer's size. */
export const uniform = defineInitializer({
  name: "uniform",
  parameters: { limit: { schema: z.number().finite().positive(), example: 0.05, doc: "half-width of the interval, > 0" } },
  fill: ({ limit }, target, rng) => fillUniform(target.values, limit, rng),
});

const gain = { schema: z.number().finite().positive(), default: 1, doc: "factor on the scheme's standard deviation, > 0" } as const;

/**
 * The normal and uniform variants of a fan-scaled scheme, `<scheme>_normal` draws N(0, σ²) and
 * `<scheme>_uniform` U(−√3σ, √3σ), with σ = gain · std(fanIn, fanOut).
 */
export function fanScaled<const S extends string>(scheme: S, std: (fanIn: number, fanOut: number) => number) {
  const sigma = (g: number, t: InitTarget) => g * std(t.fanIn, t.fanOut);
  return [
    defineInitializer({ name: `${scheme}_normal`, parameters: { gain }, fill: (p, t, rng) => fillNormal(t.values, 0, sigma(p.gain, t), rng) }),
    defineInitializer({
      name: `${scheme}_uniform`,
      parameters: { gain },
      fill: (p, t, rng) => fillUniform(t.values, sigma(p.gain, t) * UNIFORM_LIMIT_PER_STD, rng),
    }),
  ] as const;
}
