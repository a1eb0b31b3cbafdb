import { z } from "zod";
import type { Diagnosis } from "./diagnose.ts";
import { HISTOGRAM_SCALES } from "./histogram.ts";
import type { KernelsName } from "./kernels/kernels.ts";
import type { RunSpec } from "./spec.ts";

/** A layer of the traced network: hidden layers 0…D−1, then the softmax output layer. */
export const LayerInfoSchema = z.object({
  index: z.number().int().min(0),
  kind: z.enum(["hidden", "output"]),
  inputs: z.number().int().min(1),
  units: z.number().int().min(1),
  activation: z.string(),
  /** The [low, high] range that the layer's histogram bins divide. */
  histogramRange: z.tuple([z.number(), z.number()]),
  /** How they divide it (histogram.ts); traces recorded before symlog bins existed had linear ones. */
  histogramScale: z.enum(HISTOGRAM_SCALES).default("linear"),
  /** The [low, high] range of the layer's pre-activation histogram (same scale); absent in traces recorded before there was one. */
  preActivationRange: z.tuple([z.number(), z.number()]).optional(),
});
export type LayerInfo = z.infer<typeof LayerInfoSchema>;

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
  /** Counts of probe activations per bin of LayerInfo.histogramRange on LayerInfo.histogramScale (out-of-range values clamp to the end bins; binEdges gives the bins' edges). */
  histogram: number[];
  /** The same for pre-activations z, over LayerInfo.preActivationRange; null in traces recorded before there was one. */
  preActivationHistogram: number[] | null;
}

/** Everything measured at one traced epoch (epoch 0 = at initialisation, before any update). */
export interface EpochRecord {
  epoch: number;
  /**
   * Over the whole training split with the weights the epoch ends with (tracing.trainMetrics
   * `epoch_end`); the mean over the epoch's minibatches (`running`, at epoch 0, and up to a divergence).
   */
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

/**
 * Every per-layer metric of a LayerRecord but its histogram. The order is the order the database
 * packs them in: add new metrics at the end, never reorder.
 */
export const LAYER_METRICS = [
  "gradNorm",
  "biasGradNorm",
  "weightNorm",
  "updateRatio",
  "preActivationMean",
  "preActivationStd",
  "activationMean",
  "activationStd",
  "saturatedFraction",
  "deadFraction",
  "symmetry",
] as const satisfies readonly (keyof LayerRecord)[];
export type LayerMetric = (typeof LAYER_METRICS)[number];

/** The numbers an EpochRecord holds besides its epoch and layers. */
export const EPOCH_SCALARS = ["trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "outputStd"] as const satisfies readonly (keyof EpochRecord)[];
export type EpochScalar = (typeof EPOCH_SCALARS)[number];

/** Whether epoch `epoch` of a run of `epochs` epochs traced every `every` is traced: epoch 0, every k-th, and the last. */
export function isTracedEpoch(epoch: number, epochs: number, every: number): boolean {
  return epoch === 0 || epoch === epochs || (epoch % every === 0 && epoch < epochs);
}

/** The first traced epoch after `epoch`. */
export function nextTracedEpoch(epoch: number, epochs: number, every: number): number {
  return Math.min(epochs, (Math.floor(epoch / every) + 1) * every);
}

/**
 * The first hidden layer's weight-gradient norm over the output layer's: backpropagation
 * multiplies the signal by one Jacobian per layer, so this is what depth did to it (≪ 1:
 * vanishing, ≫ 1: exploding). Null when the output layer's norm is 0.
 */
export function gradientRatio(layers: readonly Pick<LayerRecord, "gradNorm">[]): number | null {
  const first = layers[0]!.gradNorm;
  const output = layers[layers.length - 1]!.gradNorm;
  return output > 0 ? first / output : null;
}
