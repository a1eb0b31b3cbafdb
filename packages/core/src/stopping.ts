import { z } from "zod";
import { THRESHOLDS, type DiagnosisKind } from "./diagnose.ts";
import { INITIALIZERS } from "./initializers/index.ts";
import { LIMITS, SWEEP_LIMITS } from "./limits.ts";
import type { RunSpec } from "./spec.ts";
import { nextTracedEpoch, type EpochRecord, type EpochScalar, type LayerInfo } from "./trace.ts";
import type { Wired } from "./wire.ts";

/**
 * How a sweep stops hopeless runs early:
 * - `asha`: asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel
 *   Hyperparameter Tuning"), in Ray Tune's stopping form: rungs at minEpochs·η^k epochs; a run
 *   reaching a rung continues unless its value is worse than the (1 − 1/η) quantile of the values
 *   recorded at that rung before it;
 * - `median`: the median stopping rule (Golovin et al. 2017, "Google Vizier"), as Optuna's
 *   MedianPruner: from minEpochs on, every `interval` epochs, a run whose best value so far is
 *   worse than the median of the completed runs' values at that epoch stops, once `startupRuns`
 *   runs have completed;
 * - `none`: only the diagnosis rule, when `diagnoses` is on.
 */
export const STOPPING_RULES = ["none", "median", "asha"] as const;
export type StoppingRule = (typeof STOPPING_RULES)[number];

/** The metrics a stopping rule may compare runs by: losses are minimised, accuracies maximised. */
export const STOPPING_METRICS = ["valLoss", "valAccuracy", "trainLoss", "trainAccuracy"] as const satisfies readonly EpochScalar[];
export type StoppingMetric = (typeof STOPPING_METRICS)[number];

/** A sweep's early-stopping settings (opt-in: a sweep without them trains every run to the end). */
export const StoppingSpecSchema = z
  .object({
    rule: z.enum(STOPPING_RULES).default("asha"),
    /** Compared at each check; a validation metric falls back to its training counterpart where a dataset has no validation split. */
    metric: z.enum(STOPPING_METRICS).default("valLoss"),
    /** ASHA: the first rung's epoch; median: the first epoch a run may be stopped at. */
    minEpochs: z.number().int().min(1).max(LIMITS.maxEpochs).default(5),
    /** ASHA's η: rungs are η× apart and about 1/η of the runs pass each. */
    reductionFactor: z.number().int().min(2).max(16).default(3),
    /** Median: runs that must have completed before any is stopped. */
    startupRuns: z.number().int().min(0).max(SWEEP_LIMITS.maxRuns).default(5),
    /** Median: epochs between two checks of a run. */
    interval: z.number().int().min(1).max(LIMITS.maxEpochs).default(1),
    /**
     * Stop runs whose trace proves, after their first epoch, that they can never become the
     * network they were meant to be: units that stay copies of each other after constant
     * initialisation (symmetric_units: each layer has the capacity of one unit for ever, though
     * that one unit may still learn), or a network constant at initialisation whose gradients are
     * all exactly 0 (collapsed_at_init: it can never learn anything but the class prior). Diverged
     * runs stop by themselves.
     */
    diagnoses: z.boolean().default(true),
  })
  .strict();
export type StoppingSpec = z.infer<typeof StoppingSpecSchema>;

/** A sweep's stopping settings in words (as stored, or as the dashboard receives them). */
export function stoppingLabel(stopping: Wired<StoppingSpec> | undefined): string {
  if (!stopping) return "no early stopping";
  const rule = {
    none: "",
    asha: `ASHA on ${stopping.metric} (rungs from epoch ${stopping.minEpochs}, η = ${stopping.reductionFactor})`,
    median: `median stopping on ${stopping.metric} (from epoch ${stopping.minEpochs}, every ${stopping.interval}, after ${stopping.startupRuns} completed runs)`,
  }[stopping.rule];
  const diagnoses = stopping.diagnoses ? "the diagnosis rule" : "";
  return [rule, diagnoses].filter(Boolean).join(" and ") || "no early stopping";
}

/** Why a run was stopped: the rule, the epoch whose record decided it, and the numbers. */
export const StopReasonSchema = z.object({
  rule: z.enum(["median", "asha", "diagnosis"]),
  epoch: z.number().int().min(0),
  evidence: z.string(),
  /** The diagnosis, for the diagnosis rule. */
  kind: z.enum(["collapsed_at_init", "symmetric_units"]).optional(),
});
export type StopReason = z.infer<typeof StopReasonSchema>;

/** Whether larger values of a stopping metric (or a search's objective) are better: accuracies yes, losses no. */
export const maximised = (metric: StoppingMetric): boolean => metric.endsWith("Accuracy");

/** The training metric standing in for a validation one when a run has no validation split. */
const FALLBACK = { valLoss: "trainLoss", valAccuracy: "trainAccuracy", trainLoss: "trainLoss", trainAccuracy: "trainAccuracy" } as const;

/** The value a rule compares for one traced epoch, or a search for a finished run (NaN once a run diverged, or when missing). */
export function stoppingValue(metric: StoppingMetric, record: Readonly<Record<StoppingMetric, number | null>>): number {
  return record[metric] ?? record[FALLBACK[metric]] ?? NaN;
}

/** A metric's value as a cost, smaller being better; a non-finite value is the worst. */
export function metricCost(metric: StoppingMetric, value: number): number {
  if (!Number.isFinite(value)) return Infinity;
  return maximised(metric) ? -value : value;
}

/** The epochs at which a rule checks a run of `epochs` epochs (a run's last epoch is no check: it has ended). */
export function checkEpochs(stopping: StoppingSpec, epochs: number): number[] {
  const checks: number[] = [];
  if (stopping.rule === "asha") for (let r = stopping.minEpochs; r < epochs; r *= stopping.reductionFactor) checks.push(r);
  if (stopping.rule === "median") for (let c = stopping.minEpochs; c < epochs; c += stopping.interval) checks.push(c);
  return checks;
}

/** The traced epoch whose record answers a check at `check`: the first traced at or after it. */
export function checkRecordEpoch(check: number, epochs: number, every: number): number {
  return nextTracedEpoch(check - 1, epochs, every);
}

/**
 * The epochs whose records a stopping rule decides on early, which a worker sends at once rather
 * than with its next chunk, so that a decision reaches it before it trains much further: the
 * first trained epoch (the diagnosis rule) and the records answering ASHA's rungs. The median
 * rule's checks, every `interval` epochs, travel with the chunks.
 */
export function decisionEpochs(stopping: StoppingSpec | undefined, spec: RunSpec): number[] {
  if (!stopping) return [];
  const { epochs } = spec.training;
  const rungs = stopping.rule === "asha" ? checkEpochs(stopping, epochs).map((c) => checkRecordEpoch(c, epochs, spec.tracing.every)) : [];
  return [...new Set([...(stopping.diagnoses ? [checkRecordEpoch(1, epochs, spec.tracing.every)] : []), ...rungs])];
}

/** The q-quantile (0…1) of costs (finite, or +Infinity), interpolating linearly as NumPy's default does. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const frac = at - lo;
  // Infinity − Infinity and Infinity × 0 are NaN: an exact position or equal neighbours need no interpolation.
  if (frac === 0 || sorted[lo] === sorted[lo + 1]) return sorted[lo]!;
  return sorted[lo]! + (sorted[lo + 1]! - sorted[lo]!) * frac;
}

/** A rule's verdict on one check. */
export interface Verdict {
  stop: boolean;
  /** The value the run had to match; null when there was nothing to compare with yet. */
  threshold: number | null;
}

const fmt = (x: number): string => (Number.isFinite(x) && Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** Flips a cost back into a metric value. */
const valueOf = (metric: StoppingMetric, c: number): number => (maximised(metric) ? -c : c);

/** ASHA at one rung: stop when `value` is worse than the (1 − 1/η) quantile of the values recorded there before it. */
export function ashaVerdict(stopping: StoppingSpec, value: number, earlier: readonly number[]): Verdict {
  if (earlier.length === 0) return { stop: false, threshold: null };
  const cutoff = quantile(
    earlier.map((v) => metricCost(stopping.metric, v)),
    1 / stopping.reductionFactor,
  );
  return { stop: metricCost(stopping.metric, value) > cutoff, threshold: valueOf(stopping.metric, cutoff) };
}

/** The median rule at one check: stop when the best value so far is worse than the median of completed runs' values there. */
export function medianVerdict(stopping: StoppingSpec, soFar: readonly number[], completed: readonly number[], completedRuns: number): Verdict {
  if (completedRuns < stopping.startupRuns || completed.length === 0) return { stop: false, threshold: null };
  const median = quantile(
    completed.map((v) => metricCost(stopping.metric, v)),
    0.5,
  );
  return { stop: metricCost(stopping.metric, bestSoFar(stopping.metric, soFar)) > median, threshold: valueOf(stopping.metric, median) };
}

/** The best of a run's values so far (the largest accuracy, the smallest loss; non-finite ones the worst). */
export function bestSoFar(metric: StoppingMetric, values: readonly number[]): number {
  return valueOf(metric, Math.min(...values.map((v) => metricCost(metric, v))));
}

/** The evidence of a rule's decision to stop a run, in words. */
export function stopEvidence(stopping: StoppingSpec, check: number, record: number, value: number, threshold: number, compared: number): string {
  const at = record === check ? `epoch ${check}` : `epoch ${record} (the first traced at or after the check at ${check})`;
  if (stopping.rule === "asha") {
    const rung = Math.round(Math.log(check / stopping.minEpochs) / Math.log(stopping.reductionFactor));
    return `${stopping.metric} ${fmt(value)} at ${at} is worse than ${fmt(threshold)}, the cutoff of the best 1/${stopping.reductionFactor} of the ${compared} run(s) that reached ASHA rung ${rung} before it`;
  }
  return `best ${stopping.metric} so far ${fmt(value)} at ${at} is worse than ${fmt(threshold)}, the median of the ${compared} completed run(s) there`;
}

/** Whether an initializer sets every entry alike. */
const isConstant = (name: string): boolean => INITIALIZERS.some((i) => i.name === name && "constant" in i && i.constant === true);

/**
 * The diagnosis rule on one traced epoch after training began: a run whose trace proves it can
 * never train. Symmetric units after constant initialisation of weights and biases stay copies of
 * one another for ever (identical units get identical updates). A network whose output was
 * constant at initialisation and whose every weight gradient and hidden bias gradient was exactly
 * 0 over an epoch is frozen: only the output bias can move. A collapse alone is no proof — a
 * zero-weight logistic net with random biases starts constant and reaches 0.84 validation accuracy
 * on moons by epoch 100 — so it does not stop a run. `initialOutputStd` is epoch 0's output std.
 */
export function diagnosisStop(spec: RunSpec, layers: readonly LayerInfo[], initialOutputStd: number | null, record: EpochRecord): StopReason | null {
  if (record.epoch < 1) return null;
  const frozen = record.layers.every((r, l) => r.gradNorm === 0 && (layers[l]!.kind === "output" || r.biasGradNorm === 0));
  if (initialOutputStd !== null && initialOutputStd < THRESHOLDS.collapsedOutputStd && frozen) {
    return stop(
      "collapsed_at_init",
      record.epoch,
      `the output logits varied by at most ${fmt(initialOutputStd)} (std) across inputs at initialisation, and during epoch ${record.epoch} every weight gradient and every hidden bias gradient was exactly 0: only the output bias can learn, so the network computes a constant for ever`,
    );
  }
  if (isConstant(spec.model.weightInit.name) && isConstant(spec.model.biasInit.name)) {
    const symmetric = layers.filter((l) => l.kind === "hidden" && l.units > 1 && record.layers[l.index]!.symmetry > THRESHOLDS.symmetry);
    if (symmetric.length > 0) {
      const worst = Math.max(...symmetric.map((l) => record.layers[l.index]!.symmetry));
      return stop(
        "symmetric_units",
        record.epoch,
        `weights and biases were initialised to constants, and after epoch ${record.epoch} ${symmetric.length} hidden layer(s) still consist mostly of identical units (symmetry ${fmt(worst)}): identical units get identical updates, so training can never tell them apart`,
      );
    }
  }
  return null;
}

function stop(kind: Extract<DiagnosisKind, "collapsed_at_init" | "symmetric_units">, epoch: number, evidence: string): StopReason {
  return { rule: "diagnosis", epoch, evidence, kind };
}
