import type { Activation } from "./activations/index.ts";
import type { Kernels } from "./kernels/kernels.ts";
import type { LayerStats } from "./layer-stats.ts";

/** Sizes that fix a network's memory: input features, hidden widths, classes, rows per pass. */
export interface NetworkShape {
  dims: number;
  hidden: readonly number[];
  classes: number;
  /** The most rows one forward/backward pass holds (the batch, or a probe chunk). */
  rows: number;
}

/** Where one layer's tensors live in the heap (element indices). */
export interface LayerBuffers {
  nin: number;
  nout: number;
  /** Weights, transposed: Wt[in × out]. */
  wt: number;
  b: number;
  gwt: number;
  gb: number;
  /** Pre-activations Z[rows × out] and activations H[rows × out] (softmax probabilities at the output). */
  z: number;
  h: number;
}

/** Heap layout of a network: parameters, their gradients, optimizer state and an epoch's starting parameters as parallel blocks. */
export interface NetworkLayout {
  layers: LayerBuffers[];
  /** The parameter block [Wt₀, b₀, Wt₁, b₁, …]; gradients and optimizer moments mirror it. */
  params: number;
  grads: number;
  moment1: number;
  moment2: number;
  /** The parameters as a traced epoch started, to measure how far it moved them. */
  start: number;
  /** Length of each parallel block (padded to 4 floats per tensor for SIMD). */
  blockSize: number;
  x: number;
  scratch: readonly [number, number];
  /** Rows one pass holds. */
  rows: number;
  /** Heap elements the layout needs. */
  size: number;
}

const pad = (n: number): number => (n + 3) & ~3;

/** Plans where every tensor of a network of this shape lives in one heap. */
export function planNetwork(shape: NetworkShape): NetworkLayout {
  const widths = [shape.dims, ...shape.hidden, shape.classes];
  const maxWidth = Math.max(...widths);
  let blockSize = 0;
  const offsets: Array<{ wt: number; b: number }> = [];
  for (let l = 1; l < widths.length; l++) {
    const wt = blockSize;
    blockSize += pad(widths[l - 1]! * widths[l]!);
    offsets.push({ wt, b: blockSize });
    blockSize += pad(widths[l]!);
  }
  // The heap starts with five parallel blocks, then input rows, two gradient scratch buffers and
  // each layer's Z and H.
  let at = 5 * blockSize;
  const take = (n: number): number => {
    const start = at;
    at += pad(n);
    return start;
  };
  const x = take(shape.rows * shape.dims);
  const scratch = [take(shape.rows * maxWidth), take(shape.rows * maxWidth)] as const;
  const layers = offsets.map(({ wt, b }, i) => ({
    nin: widths[i]!,
    nout: widths[i + 1]!,
    wt,
    b,
    gwt: blockSize + wt,
    gb: blockSize + b,
    z: take(shape.rows * widths[i + 1]!),
    h: take(shape.rows * widths[i + 1]!),
  }));
  return {
    layers,
    params: 0,
    grads: blockSize,
    moment1: 2 * blockSize,
    moment2: 3 * blockSize,
    start: 4 * blockSize,
    blockSize,
    x,
    scratch,
    rows: shape.rows,
    size: at,
  };
}

/**
 * A fully connected classifier: hidden layers with one activation, then softmax. Forward, loss and
 * backward run on the kernels' heap and allocate nothing per step.
 */
export class Network {
  readonly layers: readonly LayerBuffers[];
  /** ‖dWt‖² and ‖db‖² of each layer from the last backward pass. */
  readonly weightGradSquares: Float64Array;
  readonly biasGradSquares: Float64Array;
  /** Σ cross-entropy and the number of correct predictions of the last `loss` call. */
  lossSum = 0;
  correct = 0;
  private readonly rowLse: Float64Array;

  constructor(
    readonly layout: NetworkLayout,
    readonly kernels: Kernels,
    readonly activation: Activation,
  ) {
    this.layers = layout.layers;
    this.weightGradSquares = new Float64Array(this.layers.length);
    this.biasGradSquares = new Float64Array(this.layers.length);
    this.rowLse = new Float64Array(layout.rows);
  }

  /**
   * Forward pass of n rows from the input buffer. With `stats`, every layer's values are also
   * accumulated into its statistics (the probe pass).
   */
  forward(n: number, stats?: readonly LayerStats[]): void {
    const { kernels, activation, layers } = this;
    const heap = kernels.heap;
    let input = this.layout.x;
    const last = layers.length - 1;
    for (let l = 0; l < last; l++) {
      const layer = layers[l]!;
      const count = n * layer.nout;
      kernels.linearForward(input, layer.wt, layer.b, layer.z, n, layer.nin, layer.nout);
      kernels.activationForward(activation, layer.z, layer.h, count);
      const layerStats = stats?.[l];
      if (layerStats) {
        // The derivative of every unit, for dead-unit detection: f′ times a vector of ones.
        const d = this.layout.scratch[0];
        heap.fill(1, d, d + count);
        kernels.activationBackward(activation, layer.z, layer.h, d, count);
        layerStats.setShift(heap, layer.z, layer.h);
        kernels.observeHidden(layer.z, layer.h, d, n, layerStats);
      }
      input = layer.h;
    }
    const out = layers[last]!;
    kernels.linearForward(input, out.wt, out.b, out.z, n, out.nin, out.nout);
    this.softmax(out, n);
    stats?.[last]?.observeOutput(heap, out.z, out.h, n);
  }

  private softmax(out: LayerBuffers, n: number): void {
    const heap = this.kernels.heap;
    const k = out.nout;
    for (let i = 0; i < n; i++) {
      const z = out.z + i * k;
      const h = out.h + i * k;
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, heap[z + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(heap[z + c]! - max);
        heap[h + c] = e;
        sum += e;
      }
      for (let c = 0; c < k; c++) heap[h + c]! /= sum;
      this.rowLse[i] = max + Math.log(sum);
    }
  }

  /**
   * Mean cross-entropy of the last forward pass against `labels[from..from+n)`: sets lossSum and
   * correct, and with `gradient` writes ∂loss/∂Z = (softmax − onehot)/n for the backward pass.
   */
  loss(labels: Int32Array, from: number, n: number, gradient: boolean): void {
    const heap = this.kernels.heap;
    const out = this.layers[this.layers.length - 1]!;
    const k = out.nout;
    const dz = this.layout.scratch[0];
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[from + i]!;
      const z = out.z + i * k;
      lossSum += this.rowLse[i]! - heap[z + y]!;
      let best = 0;
      for (let c = 1; c < k; c++) if (heap[z + c]! > heap[z + best]!) best = c;
      if (best === y) correct++;
      if (gradient) {
        for (let c = 0; c < k; c++) heap[dz + i * k + c] = (heap[out.h + i * k + c]! - (c === y ? 1 : 0)) / n;
      }
    }
    this.lossSum = lossSum;
    this.correct = correct;
  }

  /** Backward pass of the last forward/loss(gradient) over n rows: fills the gradient block. */
  backward(n: number): void {
    const { kernels, activation, layers } = this;
    const heap = kernels.heap;
    let dz = this.layout.scratch[0];
    let spare = this.layout.scratch[1];
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l]!;
      const input = l === 0 ? this.layout.x : layers[l - 1]!.h;
      this.weightGradSquares[l] = kernels.linearBackwardParams(dz, input, layer.gwt, layer.gb, n, layer.nin, layer.nout);
      let biasSquares = 0;
      for (let o = 0; o < layer.nout; o++) biasSquares += heap[layer.gb + o]! ** 2;
      this.biasGradSquares[l] = biasSquares;
      if (l === 0) break;
      kernels.linearBackwardInput(dz, layer.wt, spare, n, layer.nin, layer.nout);
      const prev = layers[l - 1]!;
      kernels.activationBackward(activation, prev.z, prev.h, spare, n * prev.nout);
      const t = dz;
      dz = spare;
      spare = t;
    }
  }
}
