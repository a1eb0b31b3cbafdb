import type { Named, Parameters } from "../named.ts";
import type { Random } from "../random.ts";

/** Where an initializer writes: a row-major rows × cols matrix (a bias is 1 × n) of a layer with these fans. */
export interface InitTarget {
  values: Float64Array;
  rows: number;
  cols: number;
  fanIn: number;
  fanOut: number;
}

/** Everything about one initializer: its name, its parameters, and how it fills a layer. */
export interface InitializerDefinition<N extends string = string, P extends Parameters = Parameters> extends Named<N, P> {
  /** Sets every entry alike: the units of a layer so initialised stay copies of one another for ever. */
  constant?: true;
  fill(parameters: { readonly [K in keyof P]: number }, target: InitTarget, rng: Random): void;
}

/** Declares an initializer, keeping its name and parameter names as literal types. */
export function defineInitializer<const N extends string, const P extends Parameters>(definition: InitializerDefinition<N, P>): InitializerDefinition<N, P> {
  return definition;
}
