import { createActivation, type Activation } from "./activations/index.ts";
import { makeDataset, type Dataset, type Split } from "./datasets/index.ts";
import { diagnose } from "./diagnose.ts";
import { initialize } from "./initializers/index.ts";
import { createKernels } from "./kernels/index.ts";
import type { Heap, Kernels, KernelsName } from "./kernels/kernels.ts";
import { PRE_ACTIVATION_RANGE } from "./histogram.ts";
import { layerStatsOf, type LayerStats } from "./layer-stats.ts";
import { Network, planNetwork, type LayerBuffers } from "./network.ts";
import { Random } from "./random.ts";
import { parseRunSpec, type RunSpec } from "./spec.ts";
import { symmetry } from "./symmetry.ts";
import { isTracedEpoch, type EpochRecord, type LayerInfo, type LayerRecord, type Trace, type TraceSummary } from "./trace.ts";

/** How to train, beyond what the RunSpec fixes. */
export interface TrainOptions {
  /** `wasm` (SIMD, default) or `js` (reference loops). Traces are deterministic per kernel set. */
  kernels?: KernelsName;
  /** Asked after every minibatch: true stops the run there with RunStoppedError (a cancel need not wait for the epoch's end). */
  shouldStop?: () => boolean;
}

/** A run stopped because TrainOptions.shouldStop said so; it has no summary. */
export class RunStoppedError extends Error {
  override name = "RunStoppedError";
}

/** Rows of the probe/validation set evaluated per forward pass when the batch is smaller. */
const EVAL_CHUNK = 256;

/**
 * One training run of a RunSpec. `epochs()` trains and yields every traced epoch as it completes,
 * so callers can stream a trace; `train()` collects the whole Trace.
 */
export class Run {
  readonly spec: RunSpec;
  readonly layers: LayerInfo[];
  readonly kernels: KernelsName;
  private readonly data: Dataset;
  private readonly net: Network;
  private readonly heap: Kernels["heap"];
  private readonly activation: Activation;
  private readonly stats: LayerStats[];
  private readonly batch: number;
  private readonly rows: number;
  private readonly labels: Int32Array;
  private readonly gradSums: Float64Array;
  private readonly biasGradSums: Float64Array;
  private gradSteps = 0;
  private readonly weightSums = new Float64Array(4);
  private readonly shouldStop: () => boolean;

  /** Validates `input` as a RunSpec (SpecError names every bad field) and initialises the network. */
  constructor(input: unknown, options: TrainOptions = {}) {
    this.spec = parseRunSpec(input);
    const { dataset, model, tracing } = this.spec;
    this.data = makeDataset(dataset);
    const trainN = this.data.train.n;
    this.batch = batchRows(this.spec, trainN);
    this.rows = Math.max(this.batch, Math.min(EVAL_CHUNK, this.evalSet().n));
    const layout = planNetwork({ dims: this.data.dims, hidden: model.hidden, classes: this.data.classes, rows: this.rows });
    const kernels = createKernels(options.kernels ?? "wasm", layout.size);
    this.kernels = kernels.name;
    this.shouldStop = options.shouldStop ?? (() => false);
    this.heap = kernels.heap;
    this.activation = createActivation(model.activation);
    this.net = new Network(layout, kernels, this.activation);
    this.labels = new Int32Array(this.rows);
    this.layers = layerInfos(this.spec, layout.layers, this.activation);
    this.stats = this.layers.map((l) => layerStatsOf(l, tracing.histogramBins, this.activation.saturation));
    this.gradSums = new Float64Array(this.layers.length);
    this.biasGradSums = new Float64Array(this.layers.length);
    initialiseParameters(this.spec, this.net.layers, this.heap);
  }

  /** A copy of the parameters as they stand: each layer's Wt[in × out] then its biases, layer after layer. */
  parameters(): Float64Array {
    return Float64Array.from(this.heap.subarray(this.net.layout.params, this.net.layout.params + this.net.layout.blockSize));
  }

  /** The split that validation metrics and probe statistics come from: validation, else training. */
  private evalSet(): Split {
    return this.data.validation.n > 0 ? this.data.validation : this.data.train;
  }

  /** Copies rows order[from..from+n) (or from..from+n when no order) of a split into the input buffer. */
  private load(split: Split, from: number, n: number, order?: Uint32Array): void {
    const dims = this.data.dims;
    const x = this.net.layout.x;
    for (let i = 0; i < n; i++) {
      const src = order ? order[from + i]! : from + i;
      for (let d = 0; d < dims; d++) this.heap[x + i * dims + d] = split.x[src * dims + d]!;
      this.labels[i] = split.y[src]!;
    }
  }

  /** Trains epoch by epoch, yielding each traced epoch (epoch 0 first); returns the summary. */
  *epochs(): Generator<EpochRecord, TraceSummary, void> {
    const { training, tracing } = this.spec;
    const train = this.data.train;
    const order = new Uint32Array(train.n);
    for (let i = 0; i < train.n; i++) order[i] = i;
    const shuffleRng = new Random(training.seed, "shuffle");
    const records: EpochRecord[] = [];
    let divergedAt: number | null = null;
    let step = 0;
    for (let epoch = 0; epoch <= training.epochs && divergedAt === null; epoch++) {
      const traced = isTracedEpoch(epoch, training.epochs, tracing.every);
      if (epoch > 0 && training.shuffle) shuffleRng.shuffle(order);
      if (traced) {
        this.gradSums.fill(0);
        this.biasGradSums.fill(0);
        this.gradSteps = 0;
        const { params, start, blockSize } = this.net.layout;
        this.heap.copyWithin(start, params, params + blockSize);
      }
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let from = 0; from < train.n; from += this.batch) {
        const n = Math.min(this.batch, train.n - from);
        this.load(train, from, n, order);
        if (epoch > 0) this.lookAhead();
        this.net.forward(n);
        this.net.loss(this.labels, 0, n, true);
        lossSum += this.net.lossSum;
        correct += this.net.correct;
        seen += n;
        if (!Number.isFinite(this.net.lossSum)) {
          divergedAt = epoch;
          break;
        }
        this.net.backward(n);
        if (traced) this.accumulateGradNorms();
        if (epoch > 0) this.update(++step);
        if (this.shouldStop()) throw new RunStoppedError(`stopped at epoch ${epoch}, minibatch ${Math.floor(from / this.batch)}`);
      }
      if (!traced && divergedAt === null) continue;
      // After updates, the running mean lags the weights the epoch ends with: measure those on the
      // whole training split unless the spec asks for the running mean (epoch 0 updates nothing,
      // and a diverged pass has nothing to measure).
      const measured =
        epoch > 0 && divergedAt === null && tracing.trainMetrics === "epoch_end"
          ? this.measure(train, train.n)
          : { loss: lossSum / seen, accuracy: correct / seen };
      const record = this.record(epoch, measured.loss, measured.accuracy);
      if (divergedAt === null && !(Number.isFinite(record.trainLoss) && (record.valLoss === null || Number.isFinite(record.valLoss)))) divergedAt = epoch;
      records.push(record);
      yield record;
    }
    return summarize(this.layers, records, divergedAt);
  }

  private accumulateGradNorms(): void {
    for (let l = 0; l < this.layers.length; l++) {
      this.gradSums[l]! += Math.sqrt(this.net.weightGradSquares[l]!);
      this.biasGradSums[l]! += Math.sqrt(this.net.biasGradSquares[l]!);
    }
    this.gradSteps++;
  }

  /**
   * Sutskever's Nesterov takes its gradient at θ + μv = θ − lr·μ·b, with b = −v/lr the buffer that
   * PyTorch's form keeps: step there before the forward pass of an updating step.
   */
  private lookAhead(): void {
    const o = this.spec.training.optimizer;
    if (o.name !== "nesterov_sutskever") return;
    const { params, moment1, blockSize } = this.net.layout;
    this.net.kernels.sgd(params, moment1, blockSize, o.lr * o.momentum);
  }

  private update(step: number): void {
    const k = this.net.kernels;
    const { params, grads, moment1, moment2, blockSize } = this.net.layout;
    const o = this.spec.training.optimizer;
    switch (o.name) {
      case "sgd":
        return k.sgd(params, grads, blockSize, o.lr);
      case "momentum":
      case "nesterov":
        return k.momentum(params, grads, moment1, blockSize, o.lr, o.momentum, o.name === "nesterov");
      case "nesterov_sutskever":
        // From the look-ahead θ − lr·μ·b: b ← μb + g, and θ_next = θ − lr·b = look-ahead − lr·g.
        k.momentum(params, grads, moment1, blockSize, 0, o.momentum, false);
        return k.sgd(params, grads, blockSize, o.lr);
      case "adam":
        return k.adam(params, grads, moment1, moment2, blockSize, o.lr, o.beta1, o.beta2, o.epsilon, step);
    }
  }

  /** Mean loss and accuracy of the network as it stands over the first `n` rows of a split (no statistics). */
  private measure(split: Split, n: number): { loss: number; accuracy: number } {
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < n; from += this.rows) {
      const rows = Math.min(this.rows, n - from);
      this.load(split, from, rows);
      this.net.forward(rows);
      this.net.loss(this.labels, 0, rows, false);
      lossSum += this.net.lossSum;
      correct += this.net.correct;
    }
    return { loss: lossSum / n, accuracy: correct / n };
  }

  /** Runs the probe/validation pass and assembles the epoch's record. */
  private record(epoch: number, trainLoss: number, trainAccuracy: number): EpochRecord {
    const evalSet = this.evalSet();
    const hasValidation = this.data.validation.n > 0;
    const probe = Math.min(this.spec.tracing.probeSamples, evalSet.n);
    const end = hasValidation ? evalSet.n : probe;
    for (const s of this.stats) s.reset();
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < end;) {
      const n = Math.min(this.rows, (from < probe ? probe : end) - from);
      this.load(evalSet, from, n);
      this.net.forward(n, from < probe ? this.stats : undefined);
      this.net.loss(this.labels, 0, n, false);
      lossSum += this.net.lossSum;
      correct += this.net.correct;
      from += n;
    }
    const output = this.layers.length - 1;
    return {
      epoch,
      trainLoss,
      trainAccuracy,
      valLoss: hasValidation ? lossSum / end : null,
      valAccuracy: hasValidation ? correct / end : null,
      outputStd: this.stats[output]!.maxUnitStd(probe),
      layers: this.layers.map((info, l) => this.layerRecord(info, l, epoch)),
    };
  }

  private layerRecord(info: LayerInfo, l: number, epoch: number): LayerRecord {
    const layer = this.net.layers[l]!;
    const sums = this.weightSums;
    this.net.kernels.weightChange(layer.wt, this.net.layout.start + layer.wt - this.net.layout.params, layer.nin * layer.nout, sums);
    const steps = this.gradSteps || 1;
    return layerRecord(info, epoch, this.stats[l]!, {
      gradNorm: this.gradSums[l]! / steps,
      biasGradNorm: this.biasGradSums[l]! / steps,
      weightSquares: sums[0]!,
      changeSquares: sums[1]!,
      startSquares: sums[2]!,
      symmetry: symmetry(this.heap, layer.wt, layer.b, layer.nin, layer.nout, sums[3]),
    });
  }
}

/** Rows per minibatch: the spec's batch size, all of the `trainN` training rows for "full", never more than there are. */
export function batchRows(spec: RunSpec, trainN: number): number {
  return spec.training.batchSize === "full" ? trainN : Math.min(spec.training.batchSize, trainN);
}

/** The traced layers of a network: its hidden layers, then the softmax output. */
export function layerInfos(spec: RunSpec, layers: readonly LayerBuffers[], activation: Activation): LayerInfo[] {
  const depth = spec.model.hidden.length;
  return layers.map((l, index) => {
    const hidden = index < depth;
    const range = spec.tracing.histogramRange ?? (hidden ? activation.range : [0, 1]);
    return {
      index,
      kind: hidden ? "hidden" : "output",
      inputs: l.nin,
      units: l.nout,
      activation: hidden ? activation.name : "softmax",
      histogramRange: [range[0], range[1]],
      histogramScale: spec.tracing.histogramScale,
      preActivationRange: [PRE_ACTIVATION_RANGE[0], PRE_ACTIVATION_RANGE[1]],
    };
  });
}

/** Fills the layers' weights and biases from the spec's initializers and seeded streams; every device starts from these. */
export function initialiseParameters(spec: RunSpec, layers: readonly LayerBuffers[], heap: Heap): void {
  const { model, training } = spec;
  const weightRng = new Random(training.seed, "weights");
  const biasRng = new Random(training.seed, "biases");
  for (const l of layers) {
    // Initializers fill W[out × in] as papers and frameworks define it; the heap holds Wt.
    const w = new Float64Array(l.nout * l.nin);
    initialize(model.weightInit, { values: w, rows: l.nout, cols: l.nin, fanIn: l.nin, fanOut: l.nout }, weightRng);
    for (let o = 0; o < l.nout; o++) for (let k = 0; k < l.nin; k++) heap[l.wt + k * l.nout + o] = w[o * l.nin + k]!;
    const b = new Float64Array(l.nout);
    initialize(model.biasInit, { values: b, rows: 1, cols: l.nout, fanIn: l.nin, fanOut: l.nout }, biasRng);
    heap.set(b, l.b);
  }
}

/** What a layer's record needs besides its probe statistics, however a device measured it. */
export interface LayerMeasures {
  /** Means over the epoch's minibatches of the gradient norms. */
  gradNorm: number;
  biasGradNorm: number;
  /** ‖W‖², ‖W − W_start‖² and ‖W_start‖² over the epoch. */
  weightSquares: number;
  changeSquares: number;
  startSquares: number;
  symmetry: number;
}

/** One layer's record at `epoch` from its probe statistics and measures. */
export function layerRecord(info: LayerInfo, epoch: number, stats: LayerStats, m: LayerMeasures): LayerRecord {
  const moments = stats.moments();
  let live = 0;
  for (let u = 0; u < info.units; u++) live += stats.live[u]!;
  return {
    gradNorm: m.gradNorm,
    biasGradNorm: m.biasGradNorm,
    weightNorm: Math.sqrt(m.weightSquares),
    updateRatio: epoch === 0 || m.startSquares === 0 ? null : Math.sqrt(m.changeSquares / m.startSquares),
    preActivationMean: moments.zMean,
    preActivationStd: moments.zStd,
    activationMean: moments.hMean,
    activationStd: moments.hStd,
    saturatedFraction: stats.saturatedFraction(),
    deadFraction: info.kind === "hidden" ? 1 - live / info.units : null,
    symmetry: m.symmetry,
    histogram: counts(stats.histogram),
    preActivationHistogram: counts(stats.zHistogram),
  };
}

/** A histogram's counts as a plain array; a loop, where Array.from of a typed array took ten times as long. */
function counts(histogram: Float64Array): number[] {
  const out = new Array<number>(histogram.length);
  for (let b = 0; b < histogram.length; b++) out[b] = histogram[b]!;
  return out;
}

/** A run's summary from its traced epochs (the last one is where it stopped). */
export function summarize(layers: readonly LayerInfo[], records: readonly EpochRecord[], divergedAt: number | null): TraceSummary {
  const last = records[records.length - 1]!;
  return {
    status: divergedAt === null ? "completed" : "diverged",
    epochsRun: last.epoch,
    divergedAt,
    final: { trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, valLoss: last.valLoss, valAccuracy: last.valAccuracy },
    diagnoses: diagnose(layers, records, divergedAt),
  };
}

/** Trains a RunSpec to the end and returns its full Trace. */
export function train(input: unknown, options: TrainOptions = {}): Trace {
  const run = new Run(input, options);
  const epochs: EpochRecord[] = [];
  const iterator = run.epochs();
  for (let next = iterator.next(); ; next = iterator.next()) {
    if (next.done) return { version: 1, spec: run.spec, kernels: run.kernels, layers: run.layers, epochs, summary: next.value };
    epochs.push(next.value);
  }
}
