import {
  decodeEpochChunk,
  DIAGNOSIS_KINDS,
  encodeEpochChunk,
  DiagnosisSchema,
  EpochCodecError,
  LayerInfoSchema,
  LIMITS,
  NON_FINITE_SPELLINGS,
  packEpoch,
  parseWith,
  RUN_TARGETS,
  RunSpecSchema,
  type EpochRecord,
  type LayerRecord,
  type RunTarget,
  type TraceSummary,
} from "@gradtrace/core";
import { z } from "zod";

/** The BullMQ queues: runs to train, and results travelling back to the recorder. */
export const QUEUE_NAMES = { runs: "gradtrace-runs", results: "gradtrace-results" } as const;

/**
 * The runs queue of a target: runs any worker may take wait in gradtrace-runs, those for one kind
 * of device in gradtrace-runs-cpu or gradtrace-runs-gpu; a worker takes from the first and its own.
 */
export function runQueueName(target: RunTarget): string {
  return target === "any" ? QUEUE_NAMES.runs : `${QUEUE_NAMES.runs}-${target}`;
}

/** The payload version this code writes; older versions it still reads are listed in the schemas. */
export const PAYLOAD_VERSION = 1;

/** A number as toWire sent it: non-finite ones spelled as strings. */
const wireNumber = z.union([z.number(), z.enum(NON_FINITE_SPELLINGS).transform(Number)]);
const nullableNumber = wireNumber.nullable();
const uuid = z.uuid();
const attempt = z.number().int().min(1);
const version = z.literal(PAYLOAD_VERSION, {
  error: (issue) => `payload version ${JSON.stringify(issue.input)} is not supported; this code reads version ${PAYLOAD_VERSION}`,
});

export const LayerRecordSchema = z.object({
  gradNorm: wireNumber,
  biasGradNorm: wireNumber,
  weightNorm: wireNumber,
  updateRatio: nullableNumber,
  preActivationMean: wireNumber,
  preActivationStd: wireNumber,
  activationMean: wireNumber,
  activationStd: wireNumber,
  saturatedFraction: nullableNumber,
  deadFraction: nullableNumber,
  symmetry: wireNumber,
  histogram: z.array(z.number().int().min(0)),
  preActivationHistogram: z.array(z.number().int().min(0)).nullable().default(null),
}) satisfies z.ZodType<LayerRecord>;

export const EpochRecordSchema = z.object({
  epoch: z.number().int().min(0),
  trainLoss: wireNumber,
  trainAccuracy: wireNumber,
  valLoss: nullableNumber,
  valAccuracy: nullableNumber,
  outputStd: wireNumber,
  layers: z
    .array(LayerRecordSchema)
    .min(2)
    .refine(
      (layers) => {
        // They are packed as one run of counts after one bin count.
        const bins = layers[0]!.histogram.length;
        const pre = layers[0]!.preActivationHistogram !== null;
        return (
          bins >= 1 &&
          bins <= LIMITS.maxHistogramBins &&
          layers.every((l) => l.histogram.length === bins && (l.preActivationHistogram?.length ?? bins) === bins && (l.preActivationHistogram !== null) === pre)
        );
      },
      {
        message: `every layer's histograms need the same number of bins (1 to ${LIMITS.maxHistogramBins}), and a pre-activation histogram on every layer or on none`,
      },
    ),
}) satisfies z.ZodType<EpochRecord>;

export const TraceSummarySchema = z.object({
  status: z.enum(["completed", "diverged"]),
  epochsRun: z.number().int().min(0),
  divergedAt: z.number().int().min(0).nullable(),
  final: z.object({ trainLoss: wireNumber, trainAccuracy: wireNumber, valLoss: nullableNumber, valAccuracy: nullableNumber }),
  diagnoses: z.array(DiagnosisSchema),
}) satisfies z.ZodType<TraceSummary>;

/** A run to train: what a worker takes from the runs queue. */
export const RunJobSchema = z
  .object({
    v: version,
    runId: uuid,
    sweepId: uuid,
    spec: RunSpecSchema,
    device: z.enum(RUN_TARGETS),
    /** Attempts the run had before this job: a delivery's attempt is this plus the job's starts. */
    attemptBase: z.number().int().min(0).default(0),
    /** Epochs whose records a stopping rule decides on: sent at once, not with the next chunk (see decisionEpochs). */
    sendAt: z.array(z.number().int().min(0)).max(64).default([]),
  })
  .strict();
export type RunJob = z.input<typeof RunJobSchema>;

const result = { v: version, runId: uuid, attempt };

/** Traced epochs as an epochs message carries them: one packed chunk (encodeEpochChunk), in base64. */
export function packedEpochsText(records: readonly EpochRecord[]): string {
  const bytes = encodeEpochChunk(records.map(packEpoch));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * A chunk of traced epochs: packed by encodeEpochChunk and sent as base64 (what workers send:
 * a fraction of the JSON, stored without unpacking), or as JSON records (still read). Packed
 * either way once read.
 */
const EpochsSchema = z.union([
  z
    .array(EpochRecordSchema)
    .min(1)
    .transform((records) => records.map(packEpoch)),
  z.string().transform((text, ctx) => {
    try {
      const bytes = Buffer.from(text, "base64");
      // Buffer skips what is not base64: the length it decoded tells (cheaper than a pattern over the text).
      const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
      if (text.length % 4 !== 0 || bytes.byteLength !== (text.length / 4) * 3 - padding) throw new EpochCodecError("packed epochs: not base64");
      return decodeEpochChunk(bytes);
    } catch (error) {
      if (!(error instanceof EpochCodecError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message, input: `${text.length} characters of base64` });
      return z.NEVER;
    }
  }),
]);

/** What a worker sends the recorder about a run: its start, chunks of traced epochs, its end or failure. */
export const ResultMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("started"), ...result, workerId: z.string().min(1), device: z.string().min(1), layers: z.array(LayerInfoSchema).min(2) }).strict(),
  z.object({ type: z.literal("epochs"), ...result, records: EpochsSchema }).strict(),
  z.object({ type: z.literal("finished"), ...result, summary: TraceSummarySchema, last: EpochRecordSchema }).strict(),
  /** The attempt failed for good; `timedOut` when it was still training at its time limit (the run is then timed_out, not failed). */
  z.object({ type: z.literal("failed"), ...result, error: z.string(), timedOut: z.literal(true).optional() }).strict(),
  /** The worker handed the run back unfinished (it was shutting down); it waits for another. */
  z.object({ type: z.literal("released"), ...result }).strict(),
]);
export type ResultMessage = z.infer<typeof ResultMessageSchema>;
/** A result message as a worker writes it. */
export type ResultMessageInput = z.input<typeof ResultMessageSchema>;

/** Live progress of a run, published as its job's progress: enough for a dashboard row, not the trace. */
export const RunProgressSchema = z
  .object({
    v: version,
    sweepId: uuid,
    runId: uuid,
    attempt,
    epoch: z.number().int().min(0),
    epochs: z.number().int().min(1),
    trainLoss: wireNumber,
    valAccuracy: nullableNumber,
    /** The most severe failure mode the epochs so far show, if any. */
    worst: z.enum(DIAGNOSIS_KINDS).nullable(),
  })
  .strict();
export type RunProgress = z.infer<typeof RunProgressSchema>;

/** Reads a job's data; a SpecError names each bad field (workers fail such jobs without retrying). */
export function parseRunJob(input: unknown): z.output<typeof RunJobSchema> {
  return parseWith(RunJobSchema, input, "run job");
}

/** Reads a result message; a SpecError names each bad field. */
export function parseResultMessage(input: unknown): ResultMessage {
  return parseWith(ResultMessageSchema, input, "result message");
}
