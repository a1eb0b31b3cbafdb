/** One hidden-layer non-linearity: forward and derivative as scalar functions the layer loops call. */
export interface Activation {
  readonly name: string;
  /** h = f(z). */
  forward(z: number): number;
  /** f'(z), given z and h = f(z): each activation uses whichever is cheaper. */
  derivative(z: number, h: number): number;
  /** Whether h lies in a flat tail; absent where f has none (saturated fraction is then undefined). */
  readonly saturated?: (h: number) => boolean;
  /** The histogram range for h when the RunSpec gives none. */
  readonly range: readonly [number, number];
}

/** Histogram range used for activations with an unbounded output. */
export const UNBOUNDED_RANGE = [-4, 4] as const;
