import { DIAGNOSIS_KINDS, parseWith } from "@gradtrace/core";
import { RUN_TABLE_SORTS, RUN_TRANSITIONS, type RunStatus, type RunTableQuery, type RunTableRow } from "@gradtrace/db";
import { MAX_RUNS_PER_SWEEP } from "@gradtrace/queue";
import { z } from "zod";
import { csv } from "./csv.ts";

/** Rows of the run table a page shows unless asked otherwise. */
export const RUN_TABLE_PAGE = 100;

const STATUSES = Object.keys(RUN_TRANSITIONS) as [RunStatus, ...RunStatus[]];

/** The run table's query parameters: a filter (text, status, diagnosis kind), an order, a page and a format. */
const RunTableParamsSchema = z.strictObject({
  q: z.string().max(200, "at most 200 characters").optional(),
  status: z.enum(STATUSES).optional(),
  diagnosis: z.enum(DIAGNOSIS_KINDS).optional(),
  sort: z.enum(RUN_TABLE_SORTS).default("activation"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(MAX_RUNS_PER_SWEEP).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_RUNS_PER_SWEEP).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

/**
 * Reads the run table's query from URL parameters (a SpecError, so 400 with each bad field,
 * otherwise): as JSON a page of RUN_TABLE_PAGE rows unless `limit` says otherwise, as CSV every
 * matching run.
 */
export function runTableQuery(params: URLSearchParams): { query: RunTableQuery & { offset: number }; format: "json" | "csv" } {
  const { q, format, limit, ...rest } = parseWith(RunTableParamsSchema, Object.fromEntries(params), "run table query");
  return { query: { ...rest, text: q, limit: limit ?? (format === "json" ? RUN_TABLE_PAGE : undefined) }, format };
}

const CSV_COLUMNS = [
  "id", "activation", "initializer", "depth", "width", "optimizer", "learningRate", "dataset", "seed", "status", "attempt", "epochsDone",
  "trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "gradientRatio", "deadFraction", "saturatedFraction",
] as const;

/** Run table rows as CSV: the axes, status and final metrics, diagnosis kinds joined by ";", and the error if any. */
export function runTableCsv(rows: readonly RunTableRow[]): string {
  return csv([...CSV_COLUMNS, "diagnoses", "error"], rows.map((r) => [...CSV_COLUMNS.map((c) => r[c]), r.diagnosisKinds.join(";"), r.error]));
}
