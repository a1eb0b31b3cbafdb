import { choiceSchema, type InputOf, type SpecOf } from "../named.ts";
import type { Activation, ActivationDefinition } from "./activation.ts";
import { elu } from "./elu.ts";
import { gelu } from "./gelu.ts";
import { identity } from "./identity.ts";
import { leakyRelu } from "./leaky-relu.ts";
import { logistic } from "./logistic.ts";
import { mish } from "./mish.ts";
import { relu } from "./relu.ts";
import { selu } from "./selu.ts";
import { silu } from "./silu.ts";
import { softplus } from "./softplus.ts";
import { tanh } from "./tanh.ts";

export type { Activation, ActivationDefinition } from "./activation.ts";

/** Every hidden-layer activation, in the order of their kernel codes: the one list the rest derives from. */
export const ACTIVATIONS = [identity, logistic, tanh, relu, leakyRelu, elu, selu, gelu, silu, softplus, mish] as const;

/** Names of the hidden-layer activations. */
export const ACTIVATION_NAMES = ACTIVATIONS.map((a) => a.name) as readonly ActivationName[] as readonly [ActivationName, ...ActivationName[]];
export type ActivationName = (typeof ACTIVATIONS)[number]["name"];

/** An activation and its parameters, e.g. `"tanh"` or `{ "name": "leaky_relu", "alpha": 0.1 }`. */
export const ActivationSpecSchema = choiceSchema(ACTIVATIONS);
export type ActivationSpec = SpecOf<(typeof ACTIVATIONS)[number]>;
/** An ActivationSpec as written: parameters with defaults may be left out. */
export type ActivationSpecInput = InputOf<(typeof ACTIVATIONS)[number]> | ActivationName;

/** The Activation a spec names, with its parameters bound. */
export function createActivation(spec: ActivationSpec): Activation {
  const definition = ACTIVATIONS.find((a) => a.name === spec.name) as ActivationDefinition | undefined;
  if (!definition) throw new RangeError(`unknown activation '${spec.name}'`);
  return { name: definition.name, code: definition.code, ...definition.create(spec as unknown as Record<string, number>) };
}
