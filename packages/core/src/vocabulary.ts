/**
 * The project's vocabulary, safe for browser code: activations and initializers with their
 * parameters, datasets, optimizers, run axes, trace metrics, diagnoses, limits, the spec schemas,
 * the wire codec and CSV. Pure data and pure functions — nothing here imports a kernel, a Node module
 * or another package (lint keeps it so). Everything else derives from these lists.
 */
export * from "./spec.ts";
export { ACTIVATIONS, type ActivationDefinition } from "./activations/index.ts";
export { INITIALIZERS, type InitializerDefinition } from "./initializers/index.ts";
export { choiceLabel, fromShorthand, shorthand, suggestedValue, type Named, type Parameter } from "./named.ts";
export { LIMITS, SWEEP_LIMITS } from "./limits.ts";
export { ROLES, roleAllows, type RoleName } from "./roles.ts";
export { binEdges, HISTOGRAM_SCALES, type HistogramScale } from "./histogram.ts";
export {
  GRID_AXES,
  RUN_AXES,
  RUN_STATUSES,
  RUN_TARGETS,
  runAxisValues,
  SETTLED_RUN_STATUSES,
  settledRuns,
  SWEEP_ACTIONS,
  SWEEP_STATUSES,
  sweepActionAllowed,
  type RunStatusName,
  type SweepAction,
  type SweepStatusName,
  type GridAxis,
  type RunAxis,
  type RunAxisValues,
  type RunTarget,
} from "./axes.ts";
export {
  EPOCH_SCALARS,
  gradientRatio,
  isTracedEpoch,
  LAYER_METRICS,
  LayerInfoSchema,
  nextTracedEpoch,
  type EpochRecord,
  type EpochScalar,
  type LayerInfo,
  type LayerMetric,
  type LayerRecord,
  type Trace,
  type TraceSummary,
} from "./trace.ts";
export {
  DIAGNOSIS_CAUSES,
  DIAGNOSIS_KINDS,
  DIAGNOSIS_SEVERITY,
  DiagnosisSchema,
  THRESHOLDS,
  worstDiagnosis,
  type Diagnosis,
  type DiagnosisCause,
  type DiagnosisKind,
} from "./diagnose.ts";
export {
  ashaVerdict,
  bestSoFar,
  checkEpochs,
  checkRecordEpoch,
  decisionEpochs,
  diagnosisStop,
  maximised,
  medianVerdict,
  metricCost,
  quantile,
  stopEvidence,
  STOPPING_METRICS,
  STOPPING_RULES,
  stoppingValue,
  stoppingLabel,
  StoppingSpecSchema,
  StopReasonSchema,
  type StoppingMetric,
  type StoppingRule,
  type StoppingSpec,
  type StopReason,
  type Verdict,
} from "./stopping.ts";
export { codeColumn, columnValues, fromWire, NON_FINITE_SPELLINGS, toWire, type CodedColumn, type WireNumber, type Wired } from "./wire.ts";
export { csv } from "./csv.ts";
export { allowedNumber, humanMessage } from "./messages.ts";
