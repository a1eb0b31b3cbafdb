import { DIAGNOSIS_KINDS, parseWith } from "@gradtrace/core";
import { RUN_TABLE_SORTS, RUN_TRANSITIONS, type RunStatus, type RunTableQuery } from "@gradtrace/db";
import { MAX_RUNS_PER_SWEEP } from "@gradtrace/queue";
import { z } from "zod";

/** Rows of the run table a page shows unless asked otherwise. */
export const RUN_TABLE_PAGE = 100;

const STATUSES = Object.keys(RUN_TRANSITIONS) as [RunStatus, ...RunStatus[]];

/** The run table's query parameters: a filter (text, status, diagnosis kind), an order and a page. */
const RunTableParamsSchema = z.strictObject({
  q: z.string().max(200, "at most 200 characters").optional(),
  status: z.enum(STATUSES).optional(),
  diagnosis: z.enum(DIAGNOSIS_KINDS).optional(),
  sort: z.enum(RUN_TABLE_SORTS).default("activation"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(MAX_RUNS_PER_SWEEP).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_RUNS_PER_SWEEP).default(RUN_TABLE_PAGE),
});

/** Reads the run table's query from URL parameters (a SpecError, so 400 with each bad field, otherwise). */
export function runTableQuery(params: URLSearchParams): RunTableQuery {
  const { q, ...rest } = parseWith(RunTableParamsSchema, Object.fromEntries(params), "run table query");
  return { ...rest, text: q };
}
