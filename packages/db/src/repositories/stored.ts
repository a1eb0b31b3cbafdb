import {
  DIAGNOSIS_KINDS,
  DiagnosisSchema,
  LayerInfoSchema,
  RunSpecSchema,
  StopReasonSchema,
  type Diagnosis,
  type DiagnosisKind,
  type LayerInfo,
  type RunSpec,
  type StopReason,
} from "@gradtrace/core";
import { z } from "zod";
import type { Run } from "../generated/client.ts";

/**
 * A JSON column read back, checked against its schema: a row written by an older version that
 * no longer fits says which run, column and field, instead of flowing on as something else.
 */
function parseColumn<T>(schema: z.ZodType<T>, runId: string, column: string, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new Error(`run ${runId}: the stored ${column} does not validate: ${why}`);
}

/** A run's RunSpec as stored. */
export const storedSpec = (runId: string, json: unknown): RunSpec => parseColumn(RunSpecSchema, runId, "spec", json);

const LayersSchema = z.array(LayerInfoSchema).nullable();
/** A run's layers as stored (null before it started). */
export const storedLayers = (runId: string, json: unknown): LayerInfo[] | null => parseColumn(LayersSchema, runId, "layers", json);
/** Why a run was pruned, as stored (null when it was not). */
export const storedStopReason = (runId: string, json: unknown): StopReason | null => parseColumn(StopReasonSchema.nullable(), runId, "stopReason", json);
const DiagnosesSchema = z.array(DiagnosisSchema).nullable();
const KindsSchema = z.array(z.enum(DIAGNOSIS_KINDS));

/** A Run row with its JSON columns parsed and its seed as a number. */
export type RunRow = Omit<Run, "seed" | "spec" | "layers" | "diagnoses" | "diagnosisKinds" | "stopReason"> & {
  seed: number;
  spec: RunSpec;
  layers: LayerInfo[] | null;
  diagnoses: Diagnosis[] | null;
  diagnosisKinds: DiagnosisKind[];
  stopReason: StopReason | null;
};

/** Reads a Run row as the rest of the code sees it: JSON columns checked against their schemas. */
export function readRunRow(run: Run): RunRow {
  return {
    ...run,
    seed: Number(run.seed),
    spec: storedSpec(run.id, run.spec),
    layers: storedLayers(run.id, run.layers),
    diagnoses: parseColumn(DiagnosesSchema, run.id, "diagnoses", run.diagnoses),
    diagnosisKinds: parseColumn(KindsSchema, run.id, "diagnosisKinds", run.diagnosisKinds),
    stopReason: storedStopReason(run.id, run.stopReason),
  };
}
