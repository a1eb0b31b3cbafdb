export { createPrismaClient, getPrisma, type ConnectionOptions, type PrismaClient } from "./client.ts";
export { databaseUrlFromEnv, DatabaseUrlSchema, DbEnvSchema, type DbEnv } from "./env.ts";
export { DbError, IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "./errors.ts";
export { downsample, type Bucket } from "./downsample.ts";
export { LAYER_METRICS, type LayerMetric } from "./trace-codec.ts";
export { canonicalJson, runKey } from "./repositories/run-key.ts";
export {
  bestRuns,
  cancelSweepRuns,
  createSweep,
  getSweep,
  listSweeps,
  refreshSweepStatus,
  requeueFailedRuns,
  RUN_TABLE_SORTS,
  setSweepStatus,
  sweepGrid,
  sweepRuns,
  sweepRunTable,
  sweepRunTableJson,
  type BestRun,
  type GridCell,
  type NewSweep,
  type QueuedRun,
  type RunTablePage,
  type RunTableQuery,
  type RunTableRow,
  type RunTableSort,
  type SweepSummary,
} from "./repositories/sweeps.ts";
export { failRun, finishRun, finishRuns, releaseRun, RUN_TRANSITIONS, startRun, startRuns, transitionRun, type RunEnd, type RunStart } from "./repositories/runs.ts";
export { appendEpochChunks, appendEpochs, EPOCH_SCALARS, getRun, getRunRow, getRuns, runSeries, type ChunkResult, type EpochChunk, type SeriesMetric, type StoredRun } from "./repositories/traces.ts";
export type { RunStatus, SweepStatus } from "./generated/client.ts";
