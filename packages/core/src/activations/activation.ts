import type { Named, Parameters } from "../named.ts";

/** One hidden-layer non-linearity as the layer loops call it: forward and derivative as scalar functions. */
export interface ActivationFunctions {
  /** h = f(z). */
  forward(z: number): number;
  /** f'(z), given z and h = f(z): each activation uses whichever is cheaper. */
  derivative(z: number, h: number): number;
  /** h outside [low, high] lies in a flat tail; absent where f has none (saturated fraction is then undefined). */
  readonly saturation?: readonly [number, number];
  /** The one parameter the SIMD and GPU kernels take (leaky_relu's slope, elu's scale); 0 for the others. */
  readonly alpha: number;
  /** The histogram range for h when the RunSpec gives none. */
  readonly range: readonly [number, number];
}

/** An activation with its parameters bound, named, with the code its kernels know it by. */
export interface Activation extends ActivationFunctions {
  readonly name: string;
  readonly code: number;
}

/**
 * Everything about one activation, in its own file: its name, parameters, the code the SIMD
 * (assembly/activations.ts) and GPU (worker-gpu's kernels) switch on, and its functions.
 */
export interface ActivationDefinition<N extends string = string, P extends Parameters = Parameters> extends Named<N, P> {
  readonly code: number;
  create(parameters: { readonly [K in keyof P]: number }): ActivationFunctions;
}

/** Declares an activation, keeping its name and parameter names as literal types. */
export function defineActivation<const N extends string, const P extends Parameters>(definition: ActivationDefinition<N, P>): ActivationDefinition<N, P> {
  return definition;
}

/** Histogram range used for activations with an output unbounded on both sides. */
export const UNBOUNDED_RANGE = [-4, 4] as const;

/**
 * Histogram range of an activation whose output is bounded below by `low` (ReLU's 0, ELU's −α):
 * from there to the unbounded range's top, so no bin is spent on values it cannot take.
 */
export const rangeFrom = (low: number): readonly [number, number] => [low, UNBOUNDED_RANGE[1]];
