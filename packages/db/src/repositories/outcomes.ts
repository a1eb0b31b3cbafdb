import { codeColumn, NON_FINITE_SPELLINGS, RUN_AXES, toWire, type RunAxis } from "@gradtrace/core";
import { z } from "zod";
import type { PrismaClient } from "../client.ts";
import { Prisma } from "../generated/client.ts";
import { ident } from "../sql-params.ts";
import { GRID_METRIC_NAMES, GRID_METRICS, type GridMetric } from "./grid.ts";

/** The final metrics SweepOutcomes carries: every grid metric (as GRID_METRICS computes it), and the gradient ratio itself for the parallel coordinates. */
export type OutcomeColumn = GridMetric | "gradientRatio";
const OUTCOME_COLUMNS: readonly OutcomeColumn[] = [...GRID_METRIC_NAMES, "gradientRatio"];

/**
 * Every run of a sweep, in the order of their ids, as columns: its status, its place on every run
 * axis (the seed included) and its final metrics (null where it has none, NaN or ±Infinity where it
 * diverged). The parallel coordinates' columns, the importance and the slices are all computed
 * from this one read (they read the Run table once each before, 10,000 runs three times over).
 */
export interface SweepOutcomes {
  status: string[];
  axes: Record<RunAxis, Array<string | number>>;
  outcomes: Record<OutcomeColumn, Array<number | null>>;
}

const metricColumn = z.array(z.union([z.number(), z.enum(NON_FINITE_SPELLINGS).transform(Number), z.null()]));
const OutcomesSchema = z.object({
  status: z.array(z.string()),
  ...(Object.fromEntries(RUN_AXES.map((a) => [a, z.array(z.union([z.string(), z.number()]))])) as Record<
    RunAxis,
    z.ZodArray<z.ZodUnion<[z.ZodString, z.ZodNumber]>>
  >),
  ...(Object.fromEntries(OUTCOME_COLUMNS.map((c) => [c, metricColumn])) as Record<OutcomeColumn, typeof metricColumn>),
});

/** Reads a sweep's SweepOutcomes: one JSON text of columns built by Postgres (non-finite numbers spelled as strings there). */
export async function sweepOutcomes(prisma: PrismaClient, sweepId: string): Promise<SweepOutcomes> {
  const columns = ["status", ...RUN_AXES, ...OUTCOME_COLUMNS];
  const select = (c: string) =>
    c === "seed" ? Prisma.sql`seed::float8 AS seed` : c in GRID_METRICS ? Prisma.sql`(${GRID_METRICS[c as GridMetric]})::float8 AS ${ident(c)}` : ident(c);
  // One aggregation takes every column from the same row at each step, so the arrays line up; the
  // rows are sorted once (by id, a stable order), not once per aggregate: 10,000 runs took 117 ms
  // in Postgres with a sort per column.
  const [{ json }] = await prisma.$queryRaw<[{ json: string }]>`
    SELECT json_build_object(${Prisma.join(columns.map((c) => Prisma.sql`${c}::text, coalesce(json_agg(${ident(c)}), '[]')`))})::text AS json
    FROM (
      SELECT ${Prisma.join(columns.map(select))}
      FROM "Run" WHERE "sweepId" = ${sweepId}::uuid ORDER BY id
    ) r`;
  const read = OutcomesSchema.parse(JSON.parse(json));
  return {
    status: read.status,
    axes: Object.fromEntries(RUN_AXES.map((a) => [a, read[a]])) as SweepOutcomes["axes"],
    outcomes: Object.fromEntries(OUTCOME_COLUMNS.map((c) => [c, read[c]])) as SweepOutcomes["outcomes"],
  };
}

/**
 * Significant digits of the outcomes columnsText sends: float32's, in which the core measures
 * them (Postgres writes 0.6942590271122443; a chart needs 0.694259). A third of the columns' bytes.
 */
const OUTCOME_DIGITS = 7;
/** The outcomes the parallel coordinates draw. */
const DRAWN = ["valLoss", "valAccuracy", "gradientRatio", "deadFraction", "saturatedFraction"] as const satisfies readonly OutcomeColumn[];

/**
 * Every run of a sweep as columns, the parallel coordinates' data (10,000 runs as objects would be
 * several times the bytes), as JSON text: status and each run axis coded (`{ levels, codes }`, see
 * codeColumn), then the final validation metrics, gradient ratio and unit fractions to
 * OUTCOME_DIGITS significant digits, non-finite numbers spelled as on the wire.
 */
export function columnsText(o: SweepOutcomes): string {
  const round = (v: number | null) => (v === null || !Number.isFinite(v) ? v : Number(v.toPrecision(OUTCOME_DIGITS)));
  return JSON.stringify(
    toWire({
      status: codeColumn(o.status),
      ...Object.fromEntries(RUN_AXES.map((a) => [a, codeColumn(o.axes[a])])),
      ...Object.fromEntries(DRAWN.map((c) => [c, o.outcomes[c].map(round)])),
    }),
  );
}
