import type { Diagnosis } from "./diagnose.ts";
import type { KernelsName } from "./kernels/kernels.ts";
import type { RunSpec } from "./spec.ts";

/** A layer of the traced network: hidden layers 0…D−1, then the softmax output layer. */
export interface LayerInfo {
  index: number;
  kind: "hidden" | "output";
  inputs: number;
  units: number;
  activation: string;
  /** The [low, high] range that the layer's histogram bins divide evenly. */
  histogramRange: [number, number];
}

/**
 * One layer at one traced epoch. Gradient norms are the mean, over the epoch's minibatches, of
 * each minibatch gradient's L2 norm (at epoch 0: one pass over the training set with no update).
 * Activation statistics are over the probe set after the epoch. `null` marks a metric that is
 * undefined for this layer or epoch; NaN (written as null in JSON) marks a diverged value.
 */
export interface LayerRecord {
  gradNorm: number;
  biasGradNorm: number;
  weightNorm: number;
  /** ‖W_end − W_start‖ / ‖W_start‖ over the epoch; null at epoch 0 and when ‖W_start‖ = 0. */
  updateRatio: number | null;
  preActivationMean: number;
  preActivationStd: number;
  activationMean: number;
  activationStd: number;
  /** Fraction of (sample, unit) pairs in a flat tail; null for activations without one. */
  saturatedFraction: number | null;
  /** Fraction of units whose derivative is 0 for every probe sample; null for the output layer. */
  deadFraction: number | null;
  /** (units − distinct units) / (units − 1): 1 when every unit is a copy of one, 0 when all differ. */
  symmetry: number;
  /** Counts of probe activations per bin of LayerInfo.histogramRange (out-of-range values clamp to the end bins). */
  histogram: number[];
}

/** Everything measured at one traced epoch (epoch 0 = at initialisation, before any update). */
export interface EpochRecord {
  epoch: number;
  /** Mean over the epoch's minibatches, each measured before its update. */
  trainLoss: number;
  trainAccuracy: number;
  /** Over the validation split after the epoch; null without one. */
  valLoss: number | null;
  valAccuracy: number | null;
  /** Largest std across probe samples of one output logit: 0 when the output ignores the input. */
  outputStd: number;
  layers: LayerRecord[];
}

/** How a run ended, its final metrics and what went wrong, with evidence. */
export interface TraceSummary {
  status: "completed" | "diverged";
  /** Epochs trained; less than the spec's when the run diverged. */
  epochsRun: number;
  divergedAt: number | null;
  final: { trainLoss: number; trainAccuracy: number; valLoss: number | null; valAccuracy: number | null };
  diagnoses: Diagnosis[];
}

/** The full record of one run: identical, byte for byte, for the same RunSpec and kernels. */
export interface Trace {
  version: 1;
  spec: RunSpec;
  kernels: KernelsName;
  layers: LayerInfo[];
  epochs: EpochRecord[];
  summary: TraceSummary;
}

