import type { Random } from "../random.ts";
import type { InitializerSpec } from "../spec.ts";
import { fillNormal, fillUniform, UNIFORM_LIMIT_PER_STD } from "./fill.ts";
import { heStd } from "./he.ts";
import { lecunStd } from "./lecun.ts";
import { fillOrthogonal } from "./orthogonal.ts";
import { xavierStd } from "./xavier.ts";

/** The standard deviation a fan-scaled scheme asks for, before its gain. */
function fanStd(name: string, fanIn: number, fanOut: number): number {
  if (name.startsWith("xavier")) return xavierStd(fanIn, fanOut);
  if (name.startsWith("he")) return heStd(fanIn);
  return lecunStd(fanIn);
}

/**
 * Fills a row-major rows × cols `target` as `spec` says, for a layer with the given fans.
 * zeros and constant(c) set every entry alike, which is why they can never break symmetry:
 * all units of a layer then receive identical gradients forever.
 */
export function initialize(
  spec: InitializerSpec,
  target: Float64Array,
  rows: number,
  cols: number,
  fanIn: number,
  fanOut: number,
  rng: Random,
): void {
  switch (spec.name) {
    case "zeros":
      target.fill(0);
      return;
    case "constant":
      target.fill(spec.value);
      return;
    case "normal":
      fillNormal(target, spec.mean, spec.std, rng);
      return;
    case "uniform":
      fillUniform(target, spec.limit, rng);
      return;
    case "orthogonal":
      fillOrthogonal(target, rows, cols, spec.gain, rng);
      return;
    default: {
      const std = spec.gain * fanStd(spec.name, fanIn, fanOut);
      if (spec.name.endsWith("_normal")) fillNormal(target, 0, std, rng);
      else fillUniform(target, std * UNIFORM_LIMIT_PER_STD, rng);
    }
  }
}
