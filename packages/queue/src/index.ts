export { expandSweep, sampledIndices } from "./expand.ts";
export { gridSize, MAX_RUNS_PER_SWEEP, parseSweepSpec, runAt, runCount, SweepSpecSchema, type SweepSpec, type SweepSpecInput } from "./sweep-spec.ts";
