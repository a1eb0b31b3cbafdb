import { activationLabel, datasetLabel, initializerLabel, type RunSpec } from "./spec.ts";

/**
 * The axes a sweep varies and a run is placed by, as the run table, the grid and the comparison
 * views name them. A sweep spec's axis lists are these names with an `s` (`activations`, …).
 */
export const RUN_AXES = ["activation", "initializer", "depth", "width", "optimizer", "learningRate", "dataset", "seed"] as const;
export type RunAxis = (typeof RUN_AXES)[number];

/** The axes a sweep grid's cell is over: every axis but the seed, which a cell aggregates over. */
export const GRID_AXES = RUN_AXES.filter((a): a is Exclude<RunAxis, "seed"> => a !== "seed");
export type GridAxis = (typeof GRID_AXES)[number];

/** A run's place on each axis. */
export interface RunAxisValues {
  /** The activation's label: its name, with its parameters where they differ from the defaults. */
  activation: string;
  /** The weight initializer's label, e.g. `normal(0.01)`. */
  initializer: string;
  /** Hidden layers. */
  depth: number;
  /** Units of the widest hidden layer. */
  width: number;
  optimizer: string;
  learningRate: number;
  /** The dataset's label: its name, with its settings where they differ from the defaults. */
  dataset: string;
  /** The training seed (weights and shuffles). */
  seed: number;
}

/** Where a run lies on every axis. */
export function runAxisValues(spec: RunSpec): RunAxisValues {
  return {
    activation: activationLabel(spec.model.activation),
    initializer: initializerLabel(spec.model.weightInit),
    depth: spec.model.hidden.length,
    width: Math.max(...spec.model.hidden),
    optimizer: spec.training.optimizer.name,
    learningRate: spec.training.optimizer.lr,
    dataset: datasetLabel(spec.dataset),
    seed: spec.training.seed,
  };
}

/** Which workers may train a sweep's runs: any, or only CPU or only GPU workers. */
export const RUN_TARGETS = ["any", "cpu", "gpu"] as const;
export type RunTarget = (typeof RUN_TARGETS)[number];

/**
 * Where a run stands: waiting, training, done (completed or failed), cancelled, pruned (stopped
 * early by its sweep's stopping rule, its trace kept) or timed out (still training at its
 * `training.timeLimit`, its trace kept; another attempt would time out alike, so it is final). The
 * database's RunStatus enum matches this list (a db test checks it).
 */
export const RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled", "pruned", "timed_out"] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

/** Where runs rest once their workers are done with them, in the order a summary lists them (a failed run may still be retried). */
export const SETTLED_RUN_STATUSES = ["completed", "pruned", "failed", "timed_out", "cancelled"] as const satisfies readonly RunStatusName[];

/** How many runs are done with, from counts by status. */
export function settledRuns(counts: Readonly<Record<RunStatusName, number>>): number {
  return SETTLED_RUN_STATUSES.reduce((sum, s) => sum + counts[s], 0);
}

/** Where a sweep stands. The database's SweepStatus enum matches this list (a db test checks it). */
export const SWEEP_STATUSES = ["queued", "running", "paused", "cancelled", "completed", "failed"] as const;
export type SweepStatusName = (typeof SWEEP_STATUSES)[number];

/**
 * The sweep controls and the statuses each acts on: the control functions refuse the rest (the
 * API answers 409) and the dashboard disables their buttons. Retrying also needs a failed run.
 */
export const SWEEP_ACTIONS = {
  pause: ["queued", "running"],
  resume: ["queued", "running", "paused", "failed"],
  retry: ["queued", "running", "paused", "completed", "failed"],
  cancel: ["queued", "running", "paused", "failed"],
} as const satisfies Record<string, readonly SweepStatusName[]>;
export type SweepAction = keyof typeof SWEEP_ACTIONS;

/** Whether `action` may act on a sweep in `status`. */
export function sweepActionAllowed(action: SweepAction, status: string): boolean {
  return (SWEEP_ACTIONS[action] as readonly string[]).includes(status);
}
