import { functionalAnova, GRID_AXES, type GridAxis, type ImportanceRow } from "@gradtrace/core";
import type { GridMetric } from "./grid.ts";
import type { SweepOutcomes } from "./outcomes.ts";

/** A swept setting as the importance sees it: its axis and its levels (numbers drawn from ranges binned by quartiles). */
export interface ImportanceSetting {
  axis: GridAxis;
  levels: string[];
}

/** A term's share of the variance: over all seeds' means, and its mean ± std over the seeds taken one by one. */
export interface ImportanceTerm {
  fraction: number;
  /** Over seeds, each seed's runs decomposed alone (the first 30 seeds; null with one seed). */
  seedMean: number | null;
  seedStd: number | null;
}

/** How much of a final metric's variance each swept setting and pair of settings explains, for one sweep. */
export interface SweepImportance {
  metric: GridMetric;
  method: "exact" | "pairwise model";
  settings: ImportanceSetting[];
  main: Array<ImportanceTerm & { axis: GridAxis }>;
  /** Every pair, largest first. */
  pairs: Array<ImportanceTerm & { axes: [GridAxis, GridAxis] }>;
  rest: number;
  /** Cells of the grid with an outcome, cells in all, completed runs used, seeds, and seeds decomposed alone for the spread. */
  cells: number;
  grid: number;
  runs: number;
  seeds: number;
  spreadSeeds: number;
}

/** More distinct numbers than this on one axis (a search's draws) are binned. */
const MAX_LEVELS = 8;
const BINS = 4;
/** Seeds decomposed one by one for the spread, at most. */
const SPREAD_SEEDS = 30;

/** A completed run as the analyses read it: its place on each grid axis, its seed, and one final metric's (finite) value. */
export type ValueRow = Record<GridAxis, string | number> & { seed: number; value: number };

/** A final metric of a sweep's completed runs, where it is finite. */
export function completedValues(o: SweepOutcomes, metric: GridMetric): ValueRow[] {
  const values = o.outcomes[metric];
  const rows: ValueRow[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? null;
    if (o.status[i] !== "completed" || value === null || !Number.isFinite(value)) continue;
    const row = { seed: o.axes.seed[i] as number, value } as ValueRow;
    for (const a of GRID_AXES) row[a] = o.axes[a][i]!;
    rows.push(row);
  }
  return rows;
}

/**
 * The settings a sweep's runs vary, each with its levels and a function from a run's value to
 * its level: the grid axes with two values or more, in order; a numeric axis with more than 8
 * distinct values (a search's draws) binned by quartiles.
 */
export function sweptSettings(rows: readonly ValueRow[]): Array<ImportanceSetting & { levelOf: (v: string | number) => number }> {
  const settings: Array<ImportanceSetting & { levelOf: (v: string | number) => number }> = [];
  for (const axis of GRID_AXES) {
    const distinct = [...new Set(rows.map((r) => r[axis]))].sort((a, b) =>
      typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)),
    );
    if (distinct.length < 2) continue;
    if (distinct.length > MAX_LEVELS && typeof distinct[0] === "number") {
      const values = distinct as number[];
      const edges = Array.from({ length: BINS - 1 }, (_, i) => values[Math.floor(((i + 1) * values.length) / BINS)]!);
      const bounds = [values[0]!, ...edges, values.at(-1)!];
      settings.push({
        axis,
        levels: bounds.slice(0, -1).map((lo, i) => `${fmt(lo)}–${fmt(bounds[i + 1]!)}`),
        levelOf: (v) => edges.filter((e) => (v as number) >= e).length,
      });
    } else {
      const index = new Map(distinct.map((v, i) => [v, i]));
      settings.push({ axis, levels: distinct.map(String), levelOf: (v) => index.get(v)! });
    }
  }
  return settings;
}

/**
 * The functional ANOVA of a final metric over a sweep's completed runs, from its sweepOutcomes
 * (see core's functionalAnova): the settings are those the sweep varies (sweptSettings). Null when fewer
 * than two cells have a value, or the metric does not vary, or the sweep varies nothing.
 */
export function importanceOf(o: SweepOutcomes, metric: GridMetric): SweepImportance | null {
  const rows = completedValues(o, metric);
  const settings = sweptSettings(rows);
  if (settings.length === 0) return null;
  const sizes = settings.map((s) => s.levels.length);
  const bySeed = new Map<number, ImportanceRow[]>();
  for (const r of rows) {
    const row = { levels: settings.map((s) => s.levelOf(r[s.axis])), value: r.value };
    const list = bySeed.get(r.seed);
    if (list) list.push(row);
    else bySeed.set(r.seed, [row]);
  }
  const pooled = functionalAnova(sizes, [...bySeed.values()].flat());
  if (!pooled) return null;
  // The spread over seeds from the first SPREAD_SEEDS of them: enough for a std, and bounded in time.
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const perSeed = seeds.length < 2 ? [] : seeds.slice(0, SPREAD_SEEDS).flatMap((seed) => functionalAnova(sizes, bySeed.get(seed)!) ?? []);
  const spread = (pick: (a: NonNullable<typeof pooled>) => number): Omit<ImportanceTerm, "fraction"> => {
    if (perSeed.length < 2) return { seedMean: null, seedStd: null };
    const xs = perSeed.map(pick);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    return { seedMean: mean, seedStd: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) };
  };
  return {
    metric,
    method: pooled.method,
    settings: settings.map(({ axis, levels }) => ({ axis, levels })),
    main: settings.map((s, i) => ({ axis: s.axis, fraction: pooled.main[i]!, ...spread((a) => a.main[i]!) })),
    pairs: pooled.pairs
      .map((p, k) => ({
        axes: [settings[p.settings[0]]!.axis, settings[p.settings[1]]!.axis] as [GridAxis, GridAxis],
        fraction: p.fraction,
        ...spread((a) => a.pairs[k]!.fraction),
      }))
      .sort((a, b) => b.fraction - a.fraction),
    rest: pooled.rest,
    cells: pooled.cells,
    grid: pooled.grid,
    runs: rows.length,
    seeds: seeds.length,
    spreadSeeds: perSeed.length,
  };
}

const fmt = (x: number) => Number(x.toPrecision(3)).toString();
