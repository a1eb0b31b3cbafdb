export {
  checkRedisCredentials,
  connectRedis,
  RedisAuthError,
  isQueueUnreachable,
  QueueUnreachableError,
  reachQueue,
  redisEnv,
  RedisEnvSchema,
  type ConnectionRole,
  type Redis,
  type RedisEnv,
} from "./connection.ts";
export {
  EpochRecordSchema,
  LayerRecordSchema,
  packedEpochsText,
  parseResultMessage,
  parseRunJob,
  PAYLOAD_VERSION,
  QUEUE_NAMES,
  runQueueName,
  ResultMessageSchema,
  RunJobSchema,
  RunProgressSchema,
  TraceSummarySchema,
  type ResultMessage,
  type RunJob,
  type RunProgress,
} from "./contracts.ts";
export { dropDatasets, missingDatasets, putDatasets, storedHashes } from "./datasets.ts";
export { expandSweep, sampledIndices } from "./expand.ts";
export { keys } from "./keys.ts";
export {
  enqueueRuns,
  haltedSweeps,
  halts,
  haltSweep,
  openQueues,
  pruneRuns,
  reclaimRuns,
  removeRuns,
  runJobCounts,
  RESULT_BACKOFF,
  RESULT_JOB_OPTIONS,
  RUN_ATTEMPTS,
  RUN_JOB_OPTIONS,
  unhaltSweep,
  type Halt,
  type Queues,
} from "./producer.ts";
export { watchProgress, type ProgressWatch } from "./progress.ts";
export { consumeResults, RefusedResultError, resultBackoff, RetrySoonError, type ResultsOptions } from "./results.ts";
export { announceWorker, listWorkers, withdrawWorker, WorkerInfoSchema, type WorkerInfo } from "./registry.ts";
export { DEFAULT_REPORTER_OPTIONS, RunReporter, type ReporterOptions } from "./reporter.ts";
export {
  LeaseEnvSchema,
  startWorker,
  workerIdPrefix,
  type RunningWorker,
  type RunOutcome,
  type Trainer,
  type TrainSink,
  type WorkerOptions,
} from "./run-worker.ts";
export {
  gridSize,
  IdempotencyKeySchema,
  parseSweepSpec,
  runAt,
  runCount,
  runOf,
  SearchSpaceSchema,
  SweepSpecSchema,
  RunAnnotationSchema,
  SweepAnnotationSchema,
  type RunAnnotation,
  type SweepAnnotation,
  type AxisPick,
  type SearchSpace,
  type SweepSpec,
  type SweepSpecInput,
} from "./sweep-spec.ts";
export { describeTrial, proposeTrial, searchSpace, trialObjective, trialRuns, trialSettings, type SearchDimension, type TrialOutcome } from "./search.ts";
