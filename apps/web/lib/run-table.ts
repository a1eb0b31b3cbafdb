import "server-only";
import { DIAGNOSIS_KINDS, parseWith, RUN_AXES, RUN_STATUSES, SpecError, SWEEP_LIMITS, type RunAxis } from "@gradtrace/core";
import {
  RUN_METRICS,
  RUN_TABLE_CHOICES,
  RUN_TABLE_RANGES,
  RUN_TABLE_SORTS,
  type RunTableChoice,
  type RunTableQuery,
  type RunTableRange,
  type RunTableRow,
} from "@gradtrace/db";
import { z } from "zod";
import { csv } from "@gradtrace/core/vocabulary";

/** Rows of the run table a page shows unless asked otherwise. */
export const RUN_TABLE_PAGE = 100;

const label = z.string().max(200, "at most 200 characters").optional();
const whole = z.coerce.number().int().min(0).optional();
/** A value on each run axis, to pick the runs of one heatmap cell. */
const AXIS_PARAMS = {
  activation: label,
  initializer: label,
  depth: whole,
  width: whole,
  optimizer: label,
  learningRate: z.coerce.number().positive().optional(),
  dataset: label,
  seed: whole,
} satisfies Record<RunAxis, z.ZodType>;

/** Bounds on the numeric columns: `min.valAccuracy=0.9`, `max.depth=4` (inclusive). */
const RANGE_PARAMS = Object.fromEntries(
  RUN_TABLE_RANGES.flatMap((c) => [
    [`min.${c}`, z.coerce.number().finite().optional()],
    [`max.${c}`, z.coerce.number().finite().optional()],
  ]),
) as Record<`${"min" | "max"}.${RunTableRange}`, z.ZodOptional<z.ZodCoercedNumber>>;

/** Several values of a text axis, separated by `|`: `in.activation=relu|tanh`. */
const CHOICE_PARAMS = Object.fromEntries(
  RUN_TABLE_CHOICES.map((c) => [
    `in.${c}`,
    z
      .string()
      .max(10_000, "at most 10,000 characters")
      .transform((s) => s.split("|"))
      .optional(),
  ]),
) as Record<`in.${RunTableChoice}`, z.ZodOptional<z.ZodPipe<z.ZodString, z.ZodTransform<string[], string>>>>;

/** The run table's query parameters: a filter (text, status, diagnosis kind, axis values, bounds, choices), an order, a page and a format. */
const RunTableParamsSchema = z.strictObject({
  ...AXIS_PARAMS,
  ...RANGE_PARAMS,
  ...CHOICE_PARAMS,
  q: z.string().max(200, "at most 200 characters").optional(),
  status: z.enum(RUN_STATUSES).optional(),
  diagnosis: z.enum(DIAGNOSIS_KINDS).optional(),
  sort: z.enum(RUN_TABLE_SORTS).default("activation"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(SWEEP_LIMITS.maxRuns).default(0),
  limit: z.coerce.number().int().min(1).max(SWEEP_LIMITS.maxRuns).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

/**
 * Reads the run table's query from URL parameters (a SpecError, so 400 with each bad field,
 * otherwise): as JSON a page of RUN_TABLE_PAGE rows unless `limit` says otherwise, as CSV every
 * matching run.
 */
export function runTableQuery(params: URLSearchParams): { query: RunTableQuery & { offset: number }; format: "json" | "csv" } {
  const { q, format, limit, status, diagnosis, sort, dir, offset, ...rest } = parseWith(RunTableParamsSchema, Object.fromEntries(params), "run table query");
  const axes = Object.fromEntries(RUN_AXES.flatMap((a) => (rest[a] === undefined ? [] : [[a, rest[a]]]))) as RunTableQuery["axes"];
  const ranges: NonNullable<RunTableQuery["ranges"]> = {};
  for (const c of RUN_TABLE_RANGES) {
    const [min, max] = [rest[`min.${c}`], rest[`max.${c}`]];
    if (min === undefined && max === undefined) continue;
    if (min !== undefined && max !== undefined && min > max) {
      throw new SpecError([{ path: `min.${c}`, message: `must not be above max.${c} (${max})`, received: String(min) }], "run table query");
    }
    ranges[c] = { min, max };
  }
  const among = Object.fromEntries(RUN_TABLE_CHOICES.flatMap((c) => (rest[`in.${c}`] === undefined ? [] : [[c, rest[`in.${c}`]]]))) as RunTableQuery["among"];
  return {
    query: { text: q, status, diagnosis, sort, dir, offset, axes, ranges, among, limit: limit ?? (format === "json" ? RUN_TABLE_PAGE : undefined) },
    format,
  };
}

const CSV_COLUMNS = ["id", ...RUN_AXES, "status", "attempt", "epochsDone", ...RUN_METRICS] as const;

/** Run table rows as CSV: the axes, status and final metrics, diagnosis kinds joined by ";", the error if any, and why a pruned run was stopped. */
export function runTableCsv(rows: readonly RunTableRow[]): string {
  return csv(
    [...CSV_COLUMNS, "diagnoses", "error", "stopped"],
    rows.map((r) => [
      ...CSV_COLUMNS.map((c) => r[c]),
      r.diagnosisKinds.join(";"),
      r.error,
      r.stopReason && `${r.stopReason.rule} at epoch ${r.stopReason.epoch}: ${r.stopReason.evidence}`,
    ]),
  );
}

/** The parameters of a page's URL that say which runs its table shows (the rest belong to other views). */
const TABLE_KEYS = new Set<string>(["q", "status", "diagnosis", "sort", "dir", "offset", "limit", ...RUN_AXES]);

/**
 * The run table's query in a page's URL (a shared or reloaded view), read as the API reads it but
 * forgiving: a page with a bad parameter opens with the table's defaults instead of an error.
 * `cell` holds the axis values it picks, if any.
 */
export function pageTableQuery(view: Readonly<Record<string, string>>) {
  let query: RunTableQuery & { offset: number };
  try {
    query = runTableQuery(new URLSearchParams(Object.entries(view).filter(([k]) => TABLE_KEYS.has(k)))).query;
  } catch {
    query = runTableQuery(new URLSearchParams()).query;
  }
  const { text, status, diagnosis, sort, dir, offset, limit, axes } = query;
  return {
    query,
    view: {
      q: text ?? "",
      status: status ?? "",
      diagnosis: diagnosis ?? "",
      cell: axes && Object.keys(axes).length > 0 ? axes : null,
      sort: sort ?? "activation",
      dir: dir ?? "asc",
      offset,
      limit: limit ?? RUN_TABLE_PAGE,
    },
  };
}
