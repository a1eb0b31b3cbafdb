export { createPrismaClient, getPrisma, type ConnectionOptions, type PrismaClient } from "./client.ts";
export { databaseUrlFromEnv, DatabaseUrlSchema, DbEnvSchema, type DbEnv } from "./env.ts";
export { DbError, IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "./errors.ts";
export { downsample, type Bucket } from "./downsample.ts";
export { canonicalJson, contentHash, runKey } from "./repositories/run-key.ts";
export {
  advanceTrials,
  annotateRun,
  annotateSweep,
  bestRuns,
  cancelSweepRuns,
  createSweep,
  datasetPoints,
  dropUnusedDatasets,
  sweepDatasets,
  deleteSweepRows,
  completedStamp,
  getSweep,
  recentLaunches,
  listSweeps,
  refreshSweepStatus,
  requeueFailedRuns,
  searchingSweeps,
  setSweepStatus,
  sweepByIdempotencyKey,
  sweepRuns,
  sweepTrials,
  type Annotation,
  type BestRun,
  type NewSweep,
  type NewTrial,
  type QueuedRun,
  type StoredTrial,
  type SweepSummary,
} from "./repositories/sweeps.ts";
export { importanceOf, type ImportanceSetting, type ImportanceTerm, type SweepImportance } from "./repositories/importance.ts";
export { columnsText, sweepOutcomes, type OutcomeColumn, type SweepOutcomes } from "./repositories/outcomes.ts";
export { slicesOf, type Slice, type Spread } from "./repositories/slices.ts";
export { GRID_METRIC_NAMES, sweepGrid, type Aggregate, type GridCell, type GridMetric } from "./repositories/grid.ts";
export {
  RUN_METRICS,
  RUN_TABLE_CHOICES,
  RUN_TABLE_RANGES,
  RUN_TABLE_SORTS,
  sweepRunTable,
  sweepRunTableJson,
  type RunMetric,
  type RunTableChoice,
  type RunTablePage,
  type RunTableRange,
  type RunTableQuery,
  type RunTableRow,
  type RunTableSort,
} from "./repositories/run-table.ts";
export {
  failRun,
  finishRun,
  finishRuns,
  releaseRun,
  RUN_TRANSITIONS,
  startRun,
  startRuns,
  transitionRun,
  type RunEnd,
  type RunStart,
} from "./repositories/runs.ts";
export {
  appendEpochChunks,
  appendEpochs,
  edgeEpochs,
  epochScalarSeries,
  getRun,
  getRunRow,
  getRunRows,
  getRuns,
  runSeries,
  runState,
  EMPTY_THIN_TRACE,
  thinRunTrace,
  type ThinTrace,
  type ChunkResult,
  type EpochChunk,
  type SeriesMetric,
  type StoredRun,
} from "./repositories/traces.ts";
export { decideStops, type StopDecision } from "./repositories/stopping.ts";
export type { RunRow } from "./repositories/stored.ts";
export type { RunStatus, SweepStatus } from "./generated/client.ts";
