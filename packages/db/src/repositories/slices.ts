import type { GridAxis } from "@gradtrace/core";
import type { GridMetric } from "./grid.ts";
import { completedValues, sweptSettings } from "./importance.ts";
import type { SweepOutcomes } from "./outcomes.ts";

/** A final metric's spread over some runs: how many, and min, quartiles (linear interpolation, as Postgres' percentile_cont) and max. */
export interface Spread {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/** One swept setting's slice: the metric's spread at each of its levels, per group of a second setting (one group, "all", without one). */
export interface Slice {
  axis: GridAxis;
  levels: string[];
  groups: string[];
  /** spreads[level][group]: null where no completed run has that level and group. */
  spreads: Array<Array<Spread | null>>;
}

/** The q-quantile of sorted values, interpolated between neighbours. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

/** The spread of some values (sorted in place). */
function spreadOf(values: number[]): Spread {
  values.sort((a, b) => a - b);
  return { n: values.length, min: values[0]!, q1: quantile(values, 0.25), median: quantile(values, 0.5), q3: quantile(values, 0.75), max: values.at(-1)! };
}

/**
 * A final metric against each setting a sweep varies (its levels as importance bins them), over
 * the completed runs with a finite value, optionally split by a second setting `by`: what a box
 * plot per level draws. Empty when the sweep varies nothing or nothing completed.
 */
export function slicesOf(o: SweepOutcomes, metric: GridMetric, by?: GridAxis): Slice[] {
  const rows = completedValues(o, metric);
  const settings = sweptSettings(rows);
  const group = settings.find((s) => s.axis === by);
  const groups = group ? group.levels : ["all"];
  return settings
    .filter((s) => s !== group)
    .map((s) => {
      const values = s.levels.map(() => groups.map(() => [] as number[]));
      for (const r of rows) values[s.levelOf(r[s.axis])]![group ? group.levelOf(r[group.axis]) : 0]!.push(r.value);
      return { axis: s.axis, levels: s.levels, groups, spreads: values.map((byGroup) => byGroup.map((v) => (v.length > 0 ? spreadOf(v) : null))) };
    });
}
