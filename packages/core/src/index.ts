export * from "./vocabulary.ts";
export { Random } from "./random.ts";
export { createActivation, type Activation } from "./activations/index.ts";
export { initialize } from "./initializers/index.ts";
export { makeDataset, type Dataset, type Split } from "./datasets/index.ts";
export { createKernels, createJsKernels, KERNELS_NAMES, type Heap, type Kernels, type KernelsName } from "./kernels/index.ts";
export { Network, planNetwork, type LayerBuffers, type NetworkLayout, type NetworkShape } from "./network.ts";
export { diagnose } from "./diagnose.ts";
export {
  decodeEpochChunk,
  decodeHistograms,
  decodeLayers,
  decodeMetric,
  encodeEpochChunk,
  encodeHistograms,
  encodeLayerMetrics,
  EPOCH_CHUNK_VERSION,
  EpochCodecError,
  packedLayerCount,
  packEpoch,
  unpackEpoch,
  type PackedEpoch,
} from "./epoch-codec.ts";
export { SYMMETRY_TOLERANCE, symmetry } from "./symmetry.ts";
export {
  batchRows,
  initialiseParameters,
  layerInfos,
  layerRecord,
  Run,
  RunStoppedError,
  summarize,
  train,
  type LayerMeasures,
  type TrainOptions,
} from "./train.ts";
export { layerStatsOf, LayerStats } from "./layer-stats.ts";
export { binning, binOf, PRE_ACTIVATION_RANGE, symlogThreshold, transform as histogramTransform, type Binning } from "./histogram.ts";
export { functionalAnova, type Importance, type ImportanceRow } from "./importance.ts";
export { goodCount, proposeTpe, TPE_DEFAULTS, type Dimension, type Observation, type TpeOptions } from "./tpe.ts";
