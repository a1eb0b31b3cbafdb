/** One hidden-layer non-linearity: forward and derivative as scalar functions the layer loops call. */
export interface Activation {
  readonly name: string;
  /** h = f(z). */
  forward(z: number): number;
  /** f'(z), given z and h = f(z): each activation uses whichever is cheaper. */
  derivative(z: number, h: number): number;
  /** h outside [low, high] lies in a flat tail; absent where f has none (saturated fraction is then undefined). */
  readonly saturation?: readonly [number, number];
  /** The slope or scale parameter of leaky_relu and elu; 0 for the others. */
  readonly alpha: number;
  /** The histogram range for h when the RunSpec gives none. */
  readonly range: readonly [number, number];
}

/** Histogram range used for activations with an unbounded output. */
export const UNBOUNDED_RANGE = [-4, 4] as const;
