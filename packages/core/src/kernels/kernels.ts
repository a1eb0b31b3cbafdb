import type { Activation } from "../activations/activation.ts";
import type { LayerStats } from "../layer-stats.ts";

/** The heap that kernel pointers index: float32 for training, float64 for gradient checks. */
export type Heap = Float32Array | Float64Array;

/**
 * The matmul-shaped and optimizer work of training, on one heap. Every pointer is an element index
 * into `heap`; matrices are row-major and a layer's weights are stored transposed, Wt[in × out],
 * so that the forward pass and the weight gradient both stream along rows.
 */
export interface Kernels {
  readonly name: KernelsName;
  readonly heap: Heap;
  /** Z[n × out] = X[n × in] · Wt[in × out] + b. */
  linearForward(x: number, wt: number, b: number, z: number, n: number, nin: number, nout: number): void;
  /** dX[n × in] = dZ[n × out] · Wtᵀ. */
  linearBackwardInput(dz: number, wt: number, dx: number, n: number, nin: number, nout: number): void;
  /** dWt[in × out] = Xᵀ · dZ and db = column sums of dZ; returns ‖dWt‖². */
  linearBackwardParams(dz: number, x: number, dwt: number, db: number, n: number, nin: number, nout: number): number;
  /** H = f(Z) over `count` elements. */
  activationForward(activation: Activation, z: number, h: number, count: number): void;
  /** D ⊙= f′(Z) over `count` elements, given Z and H = f(Z). */
  activationBackward(activation: Activation, z: number, h: number, d: number, count: number): void;
  /**
   * Adds n rows × units of a hidden layer to `stats` (its shift already set): shifted sums of z,
   * z², h, h², saturated and non-finite counts, the histogram of h, and which units have d ≠ 0.
   */
  observeHidden(z: number, h: number, d: number, n: number, stats: LayerStats): void;
  /**
   * Σw², Σ(w − w₀)², Σw₀² and max |w| over `count` weights w and their snapshot w₀, into
   * out[0..4]: a layer's norm, how far it moved over a traced epoch, and its scale.
   */
  weightChange(w: number, w0: number, count: number, out: Float64Array): void;
  /** p −= lr·g over `count` parameters. */
  sgd(p: number, g: number, count: number, lr: number): void;
  /** v = μv + g; p −= lr·v, or lr·(g + μv) with Nesterov's look-ahead (PyTorch's form). */
  momentum(p: number, g: number, v: number, count: number, lr: number, mu: number, nesterov: boolean): void;
  /** Adam (Kingma & Ba, 2015) with bias correction for 1-based `step`. */
  adam(p: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void;
}

/** The kernel implementations: `wasm` (SIMD, the default) and `js` (the plain reference). */
export const KERNELS_NAMES = ["wasm", "js"] as const;
export type KernelsName = (typeof KERNELS_NAMES)[number];
