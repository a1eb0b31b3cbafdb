import type { ActivationSpec } from "../spec.ts";
import type { Activation } from "./activation.ts";
import { elu } from "./elu.ts";
import { gelu } from "./gelu.ts";
import { identity } from "./identity.ts";
import { leakyRelu } from "./leaky-relu.ts";
import { logistic } from "./logistic.ts";
import { relu } from "./relu.ts";
import { selu } from "./selu.ts";
import { silu } from "./silu.ts";
import { softplus } from "./softplus.ts";
import { tanh } from "./tanh.ts";

export type { Activation } from "./activation.ts";

const fixed = { identity, logistic, tanh, relu, selu, gelu, silu, softplus } as const;

/** The Activation a spec names, with its parameters bound. */
export function createActivation(spec: ActivationSpec): Activation {
  switch (spec.name) {
    case "leaky_relu":
      return leakyRelu(spec.alpha);
    case "elu":
      return elu(spec.alpha);
    default:
      return fixed[spec.name];
  }
}
