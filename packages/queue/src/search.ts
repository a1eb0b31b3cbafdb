import {
  parseRunSpec,
  proposeTpe,
  Random,
  runAxisValues,
  stoppingValue,
  TPE_DEFAULTS,
  type Dimension,
  type GridAxis,
  type Observation,
  type RunAxisValues,
  type RunSpecInput,
  type StoppingMetric,
} from "@gradtrace/core";
import { runOf, type AxisPick, type SweepSpec } from "./sweep-spec.ts";

type TpeSampling = Extract<SweepSpec["sampling"], { mode: "tpe" }>;
/** A setting a search varies. */
type Setting = Exclude<keyof AxisPick, "seed">;

/** One dimension of a sweep's search space: the setting, how TPE sees it, and a category's values. */
export interface SearchDimension {
  setting: Setting;
  dimension: Dimension;
  /** The axis list a categorical dimension picks from. */
  choices?: readonly unknown[];
}

/** The lists whose values a search picks among, by setting (seeds are repeats of a trial, not a dimension). */
const LISTS = {
  dataset: "datasets",
  activation: "activations",
  initializer: "initializers",
  depth: "depths",
  width: "widths",
  optimizer: "optimizers",
  learningRate: "learningRates",
} as const satisfies Partial<Record<Setting, keyof SweepSpec["axes"]>>;

/**
 * A search's dimensions, in a fixed order: each axis list with more than one value (categorical),
 * then each range of `sampling.space` (whole numbers for depth and width). Lists of one value are
 * settings every trial shares, not dimensions.
 */
export function searchSpace(spec: SweepSpec): SearchDimension[] {
  const space = spec.sampling.mode === "tpe" ? spec.sampling.space : {};
  const dims: SearchDimension[] = [];
  for (const [setting, list] of Object.entries(LISTS) as Array<[keyof typeof LISTS, (typeof LISTS)[keyof typeof LISTS]]>) {
    const values = spec.axes[list];
    if (values && values.length > 1) dims.push({ setting, dimension: { kind: "categorical", choices: values.length }, choices: values });
  }
  for (const setting of ["learningRate", "depth", "width", "momentum"] as const) {
    const r = space[setting];
    if (r) dims.push({ setting, dimension: { kind: setting === "depth" || setting === "width" ? "int" : "float", low: r.low, high: r.high, log: r.log } });
  }
  return dims;
}

/** The settings of a trial: its proposal on each dimension, the single-valued lists for the rest. */
export function trialSettings(spec: SweepSpec, values: readonly number[]): Omit<AxisPick, "seed"> {
  const pick: Record<string, unknown> = {};
  for (const [setting, list] of Object.entries(LISTS)) pick[setting] = spec.axes[list as (typeof LISTS)[keyof typeof LISTS]]?.[0];
  searchSpace(spec).forEach((d, i) => (pick[d.setting] = d.choices ? d.choices[values[i]!] : values[i]));
  return pick as Omit<AxisPick, "seed">;
}

/** A trial's runs: its settings once per seed. */
export function trialRuns(spec: SweepSpec, values: readonly number[]): RunSpecInput[] {
  const settings = trialSettings(spec, values);
  return spec.axes.seeds.map((seed) => runOf(spec, { ...settings, seed }));
}

/** A trial's settings as the run table shows a run's: labels and numbers (and the momentum, where the search draws it). */
export function describeTrial(spec: SweepSpec, values: readonly number[]): Pick<RunAxisValues, GridAxis> & { momentum?: number } {
  const settings = trialSettings(spec, values);
  const axes: Partial<RunAxisValues> = runAxisValues(parseRunSpec(runOf(spec, { ...settings, seed: spec.axes.seeds[0]! })));
  delete axes.seed;
  const described = axes as Pick<RunAxisValues, GridAxis>;
  return settings.momentum === undefined ? described : { ...described, momentum: settings.momentum };
}

/** What a finished trial's runs came to, as the search reads it back. */
export interface TrialOutcome {
  values: readonly number[];
  runs: ReadonlyArray<{ status: string } & Record<StoppingMetric, number | null>>;
}

/**
 * A trial's objective: the mean over its seeds of the objective's final value (a validation
 * metric falling back to its training counterpart). A run that failed, was pruned or diverged
 * makes the trial the worst (NaN), so the model learns to avoid where it lies.
 */
export function trialObjective(objective: StoppingMetric, trial: TrialOutcome): number {
  if (trial.runs.length === 0 || trial.runs.some((r) => r.status !== "completed")) return NaN;
  return trial.runs.reduce((sum, r) => sum + stoppingValue(objective, r), 0) / trial.runs.length;
}

/**
 * The next trial's proposal: TPE over the finished trials (in the order they finished), seeded by
 * the sweep's seed and the trial's number, so the same finished trials always give the same
 * proposal. A proposal equal to an earlier trial is drawn again (up to 20 times); null when
 * every draw repeats one — a small categorical space is exhausted.
 */
export function proposeTrial(
  sampling: TpeSampling,
  dims: readonly SearchDimension[],
  finished: readonly Observation[],
  earlier: readonly (readonly number[])[],
  number: number,
): number[] | null {
  const seen = new Set(earlier.map((v) => JSON.stringify(v)));
  const options = { ...TPE_DEFAULTS, startupTrials: sampling.startupTrials };
  for (let draw = 0; draw < 20; draw++) {
    const values = proposeTpe(
      dims.map((d) => d.dimension),
      finished,
      new Random(sampling.seed, `tpe trial ${number} draw ${draw}`),
      options,
    );
    if (!seen.has(JSON.stringify(values))) return values;
  }
  return null;
}
