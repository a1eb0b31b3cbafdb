export {
  EpochRecordSchema,
  LayerInfoSchema,
  LayerRecordSchema,
  parseResultMessage,
  parseRunJob,
  PAYLOAD_VERSION,
  QUEUE_NAMES,
  ResultMessageSchema,
  RunJobSchema,
  toWire,
  TraceSummarySchema,
  type ResultMessage,
  type RunJob,
} from "./contracts.ts";
export { expandSweep, sampledIndices } from "./expand.ts";
export { gridSize, MAX_RUNS_PER_SWEEP, parseSweepSpec, runAt, runCount, SweepSpecSchema, type SweepSpec, type SweepSpecInput } from "./sweep-spec.ts";
