/** Redis keys of gradtrace's own state beside BullMQ's queues, all under the same prefix. */
export const keys = {
  /** "cancelled" or "paused" while a sweep is halted. */
  halt: (prefix: string, sweepId: string) => `${prefix}:sweep:${sweepId}:halt`,
  /** "pruned" once a sweep's stopping rule stopped the run. */
  runHalt: (prefix: string, runId: string) => `${prefix}:run:${runId}:halt`,
  /** Sorted set of live worker ids, scored by when their announcement expires. */
  workers: (prefix: string) => `${prefix}:workers`,
  /** One worker's announcement (JSON), expiring with it. */
  worker: (prefix: string, id: string) => `${prefix}:worker:${id}`,
  /** An inline dataset's points spec (JSON), by its content hash: what stored-dataset runs train on. */
  dataset: (prefix: string, sha256: string) => `${prefix}:dataset:${sha256}`,
};
