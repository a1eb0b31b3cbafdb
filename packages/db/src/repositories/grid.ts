import { DIAGNOSIS_KINDS, GRID_AXES, type DiagnosisKind, type GridAxis, type RunAxisValues } from "@gradtrace/core";
import { z } from "zod";
import type { PrismaClient } from "../client.ts";
import { Prisma } from "../generated/client.ts";
import { ident, idents } from "../sql-params.ts";

/**
 * Mean, sample std and count of one metric over a cell's completed runs (NaN values left out).
 * The log gradient ratio of a run whose first layer got no gradient at all is −Infinity, and
 * the mean with it; the std is over the finite values.
 */
export interface Aggregate {
  mean: number | null;
  std: number | null;
  n: number;
}

/** The final metrics the grid aggregates, each as the SQL that reads it from a run's row. */
export const GRID_METRICS = {
  valLoss: Prisma.sql`"valLoss"`,
  valAccuracy: Prisma.sql`"valAccuracy"`,
  trainLoss: Prisma.sql`"trainLoss"`,
  /** Of log10(first-hidden / output gradient norm); −Infinity when no gradient reached the first layer. */
  log10GradientRatio: Prisma.sql`CASE WHEN "gradientRatio" > 0 THEN log("gradientRatio") WHEN "gradientRatio" = 0 THEN '-Infinity'::float8 END`,
  deadFraction: Prisma.sql`"deadFraction"`,
  saturatedFraction: Prisma.sql`"saturatedFraction"`,
} as const;
export type GridMetric = keyof typeof GRID_METRICS;
/** The metrics a grid cell aggregates. */
export const GRID_METRIC_NAMES = Object.keys(GRID_METRICS) as GridMetric[];

/**
 * One cell of the sweep grid: the completed runs that differ only in their seed, aggregated over
 * seeds. Activation × initializer × depth place it in a heatmap; the other axes say which of the
 * heatmap's slices it belongs to.
 */
export type GridCell = Pick<RunAxisValues, GridAxis> &
  Record<GridMetric, Aggregate> & {
    /** Every run of the cell, whatever its status. */
    total: number;
    /** Completed runs: the ones aggregated. */
    runs: number;
    /** Completed runs whose training diverged (their final metrics are NaN, so no metric counts them). */
    diverged: number;
    /** Runs of the cell its sweep's stopping rule pruned: not aggregated (they stopped early), counted. */
    pruned: number;
    failed: number;
    /** Runs still training at their time limit (their traces kept, not aggregated). */
    timedOut: number;
    cancelled: number;
    /** Runs queued or training. */
    open: number;
    /** Classes of the cell's task (its output layer's units), null before any run started: chance accuracy is 1/classes. */
    classes: number | null;
    /** Completed runs per diagnosis kind (kinds with none left out). */
    diagnoses: Partial<Record<DiagnosisKind, number>>;
  };

const count = z.number().int();
const float = z.number().nullable();
/** A mean may be −Infinity (see Aggregate); zod's number refuses infinities. */
const mean = z.union([float, z.literal(Number.NEGATIVE_INFINITY)]);
/** How the grid query returns each axis. */
const AXIS_SCHEMAS = {
  activation: z.string(),
  initializer: z.string(),
  depth: count,
  width: count,
  optimizer: z.string(),
  learningRate: z.number(),
  dataset: z.string(),
} satisfies { [A in GridAxis]: z.ZodType<RunAxisValues[A]> };
/** A row of the grid query: the axes and the run count, then per metric `<m>_mean`, `<m>_std`, `<m>_n` and per kind `d_<kind>`. */
const GridRowSchema = z.looseObject({
  ...AXIS_SCHEMAS,
  total: count,
  runs: count,
  diverged: count,
  pruned: count,
  failed: count,
  timedOut: count,
  cancelled: count,
  open: count,
  classes: count.nullable(),
});

/**
 * The sweep grid: final metrics and diagnoses of completed runs per cell of every axis but the
 * seed, mean ± std over seeds, and how many runs of each cell ended or stand how. One aggregate
 * query.
 */
export async function sweepGrid(prisma: PrismaClient, sweepId: string): Promise<GridCell[]> {
  const aggregates = GRID_METRIC_NAMES.map((name) => {
    const value = Prisma.sql`(${GRID_METRICS[name]})`;
    const finite = Prisma.sql`status = 'completed' AND ${value} <> 'NaN'::float8`;
    return Prisma.sql`avg(${value}) FILTER (WHERE ${finite}) AS ${ident(`${name}_mean`)},
      stddev_samp(${value}) FILTER (WHERE ${finite} AND ${value} > '-Infinity'::float8) AS ${ident(`${name}_std`)},
      count(${value}) FILTER (WHERE ${finite})::int AS ${ident(`${name}_n`)}`;
  });
  const kinds = DIAGNOSIS_KINDS.map(
    (k) => Prisma.sql`count(*) FILTER (WHERE status = 'completed' AND ${k} = ANY("diagnosisKinds"))::int AS ${ident(`d_${k}`)}`,
  );
  const axes = idents(GRID_AXES);
  const rows = await prisma.$queryRaw<unknown[]>`
    SELECT ${axes}, count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS runs,
      count(*) FILTER (WHERE status = 'completed' AND 'diverged' = ANY("diagnosisKinds"))::int AS diverged,
      count(*) FILTER (WHERE status = 'pruned')::int AS pruned, count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'timed_out')::int AS "timedOut",
      count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled, count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS open,
      max((layers -> -1 ->> 'units')::int) AS classes,
      ${Prisma.join([...aggregates, ...kinds])}
    FROM "Run" WHERE "sweepId" = ${sweepId}::uuid
    GROUP BY ${axes} ORDER BY ${axes}`;
  return rows.map((input) => {
    const { total, runs, diverged, pruned, failed, timedOut, cancelled, open, classes, ...row } = GridRowSchema.parse(input);
    const aggregate = (name: GridMetric): Aggregate => ({
      mean: mean.parse(row[`${name}_mean`]),
      std: float.parse(row[`${name}_std`]),
      n: count.parse(row[`${name}_n`]),
    });
    const cell: GridCell = {
      ...(Object.fromEntries(GRID_AXES.map((a) => [a, row[a]])) as Pick<RunAxisValues, GridAxis>),
      total,
      runs,
      diverged,
      pruned,
      failed,
      timedOut,
      cancelled,
      open,
      classes,
      ...(Object.fromEntries(GRID_METRIC_NAMES.map((m) => [m, aggregate(m)])) as Record<GridMetric, Aggregate>),
      diagnoses: {},
    };
    for (const kind of DIAGNOSIS_KINDS) {
      const n = count.parse(row[`d_${kind}`]);
      if (n > 0) cell.diagnoses[kind] = n;
    }
    return cell;
  });
}
