import { batchRows, planNetwork, type Dataset, type LayerBuffers, type OptimizerName, type RunSpec } from "@gradtrace/core";
import { STAT_SLOTS, TRAIN_SLOTS } from "./kernels.wgsl.ts";

// Where each net of a pack lives in the pack's buffers: planned on the host, once per pack.

/** The optimizer numbers the GPU kernels switch on. */
export const OPTIMIZER_CODES = { sgd: 0, momentum: 1, nesterov: 2, adam: 3, nesterov_sutskever: 4 } as const satisfies Record<OptimizerName, number>;
/** A net's state word in the pack's ints buffer. */
export const STATE = { training: 0, finished: 1, diverged: 2 } as const;

/**
 * What runs must share to train in one pack: everything that fixes buffer sizes and the epoch
 * schedule (split sizes, features, classes, widths, batch, epochs, tracing). Activations,
 * initializers, optimizers, learning rates, datasets and seeds may differ.
 */
export function packKey(spec: RunSpec, data: Dataset): string {
  const { training, tracing, model } = spec;
  const evalN = data.validation.n > 0 ? data.validation.n : data.train.n;
  return JSON.stringify([
    data.train.n,
    data.validation.n,
    data.dims,
    data.classes,
    model.hidden,
    batchRows(spec, data.train.n),
    training.epochs,
    training.shuffle,
    tracing.every,
    tracing.histogramBins,
    tracing.histogramRange ?? null,
    tracing.histogramScale,
    Math.min(tracing.probeSamples, evalN),
  ]);
}

/** Where everything of one net lives in the pack's buffers (element offsets), shared by all nets. */
export interface Layout {
  nets: number;
  block: number;
  layers: LayerBuffers[];
  rows: number;
  batch: number;
  trainN: number;
  evalN: number;
  hasValidation: boolean;
  probe: number;
  dims: number;
  classes: number;
  bins: number;
  /** Per-net strides of acts, data, ints. */
  acts: number;
  data: number;
  ints: number;
  at: Record<"x" | "d0" | "d1" | "rowLoss" | "rowCorrect", number> & { z: number[]; h: number[] };
  hiddenUnits: number;
  liveAt: number[];
  /** Global regions: ints (state, histograms, live units) and accumulators. */
  stateAt: number;
  histAt: number;
  liveBase: number;
  intsSize: number;
  aGrad: number;
  aVal: number;
  aStats: number;
  aUnits: number;
  aNorms: number;
  aPairs: number;
  accSize: number;
}

/** The layout of a pack of `nets` runs shaped like `spec` on `data`. */
export function planPack(spec: RunSpec, data: Dataset, nets: number): Layout {
  const trainN = data.train.n;
  const hasValidation = data.validation.n > 0;
  const evalN = hasValidation ? data.validation.n : trainN;
  const batch = batchRows(spec, trainN);
  // The evaluation pass runs in chunks of a minibatch (the statistics do not depend on chunking),
  // so activations take a minibatch of rows per net, not the core's 256-row probe chunk.
  const rows = batch;
  const plan = planNetwork({ dims: data.dims, hidden: spec.model.hidden, classes: data.classes, rows });
  const L = plan.layers.length;
  const maxW = Math.max(data.dims, ...spec.model.hidden, data.classes);
  let a = 0;
  const take = (n: number) => ((a += n), a - n);
  const x = take(rows * data.dims);
  const z: number[] = [];
  const h: number[] = [];
  for (const l of plan.layers) {
    z.push(take(rows * l.nout));
    h.push(take(rows * l.nout));
  }
  const at = { x, z, h, d0: take(rows * maxW), d1: take(rows * maxW), rowLoss: take(rows), rowCorrect: take(rows) };
  const hiddenUnits = spec.model.hidden.reduce((s, w) => s + w, 0);
  const liveAt = spec.model.hidden.map((_, i) => spec.model.hidden.slice(0, i).reduce((s, w) => s + w, 0));
  const ints = rows + 2 * trainN + evalN;
  const bins = spec.tracing.histogramBins;
  const stateAt = nets * ints;
  const histAt = stateAt + nets;
  // An activation and a pre-activation histogram per net and layer.
  const liveBase = histAt + nets * L * 2 * bins;
  const aGrad = TRAIN_SLOTS * nets;
  const aVal = aGrad + nets * (2 * L + 1);
  const aStats = aVal + 2 * nets;
  const aUnits = aStats + STAT_SLOTS * nets * L;
  const aNorms = aUnits + 3 * nets * data.classes;
  const aPairs = aNorms + 3 * nets * L;
  return {
    nets,
    block: plan.blockSize,
    layers: plan.layers,
    rows,
    batch,
    trainN,
    evalN,
    hasValidation,
    probe: Math.min(spec.tracing.probeSamples, evalN),
    dims: data.dims,
    classes: data.classes,
    bins,
    acts: a,
    data: (trainN + evalN) * data.dims,
    ints,
    at,
    hiddenUnits,
    liveAt,
    stateAt,
    histAt,
    liveBase,
    intsSize: liveBase + nets * hiddenUnits,
    aGrad,
    aVal,
    aStats,
    aUnits,
    aNorms,
    aPairs,
    accSize: aPairs + nets * L,
  };
}

/** Bytes per net of the largest buffer of a pack of runs shaped like `spec`: what bounds a pack's size. */
export function bytesPerNet(spec: RunSpec, data: Dataset): number {
  const one = planPack(spec, data, 1);
  return 4 * Math.max(3 * one.block, one.acts, one.data, one.ints + one.layers.length * 2 * one.bins + one.hiddenUnits + 1);
}

/** Packs fields into a uniform's bytes: u32 unless `f32` says otherwise. */
export function fields(names: readonly string[], values: Record<string, number>, f32: (name: string) => boolean = () => false): ArrayBuffer {
  const buffer = new ArrayBuffer(names.length * 4);
  const u = new Uint32Array(buffer);
  const f = new Float32Array(buffer);
  names.forEach((name, i) => {
    const v = values[name] ?? 0;
    if (f32(name)) f[i] = v;
    else u[i] = v;
  });
  return buffer;
}
