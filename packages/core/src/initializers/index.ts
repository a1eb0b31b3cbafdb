import { choiceSchema, type InputOf, type SpecOf } from "../named.ts";
import type { Random } from "../random.ts";
import { constant, zeros } from "./constant.ts";
import { normal, uniform } from "./fill.ts";
import { heNormal, heUniform } from "./he.ts";
import type { InitializerDefinition, InitTarget } from "./initializer.ts";
import { lecunNormal, lecunUniform } from "./lecun.ts";
import { orthogonal } from "./orthogonal.ts";
import { xavierNormal, xavierUniform } from "./xavier.ts";

export type { InitializerDefinition, InitTarget } from "./initializer.ts";

/** Every weight and bias initializer: the one list the rest derives from. */
export const INITIALIZERS = [
  zeros,
  constant,
  normal,
  uniform,
  xavierNormal,
  xavierUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  orthogonal,
] as const;

/** Names of the weight and bias initializers. */
export const INITIALIZER_NAMES = INITIALIZERS.map((i) => i.name) as readonly InitializerName[] as readonly [InitializerName, ...InitializerName[]];
export type InitializerName = (typeof INITIALIZERS)[number]["name"];

/** An initializer and its parameters, e.g. `"he_normal"` or `{ "name": "normal", "std": 0.01 }`. */
export const InitializerSpecSchema = choiceSchema(INITIALIZERS);
export type InitializerSpec = SpecOf<(typeof INITIALIZERS)[number]>;
/** An InitializerSpec as written: parameters with defaults may be left out. */
export type InitializerSpecInput = InputOf<(typeof INITIALIZERS)[number]> | InitializerName;

/** Fills a layer's weights or biases as `spec` says. */
export function initialize(spec: InitializerSpec, target: InitTarget, rng: Random): void {
  const definition = INITIALIZERS.find((i) => i.name === spec.name) as InitializerDefinition | undefined;
  if (!definition) throw new RangeError(`unknown initializer '${spec.name}'`);
  definition.fill(spec as unknown as Record<string, number>, target, rng);
}
