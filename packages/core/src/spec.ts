import { z } from "zod";
import { ACTIVATIONS, ActivationSpecSchema, type ActivationSpec } from "./activations/index.ts";
import { INITIALIZERS, InitializerSpecSchema, type InitializerSpec } from "./initializers/index.ts";
import { HISTOGRAM_SCALES } from "./histogram.ts";
import { LIMITS } from "./limits.ts";
// Every schema of the process speaks in words (its side effect: zod's message map).
import "./messages.ts";
import { choiceLabel, named } from "./named.ts";
import { EPOCH_SCALARS, LAYER_METRICS } from "./trace.ts";

const finite = () => z.number().finite();
const positive = () => z.number().finite().positive();
const seed = () =>
  z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1);

export { ACTIVATION_NAMES, ActivationSpecSchema, type ActivationName, type ActivationSpec, type ActivationSpecInput } from "./activations/index.ts";
export { INITIALIZER_NAMES, InitializerSpecSchema, type InitializerName, type InitializerSpec, type InitializerSpecInput } from "./initializers/index.ts";

/**
 * A short name of an initializer with its parameters, e.g. `normal(0.01)`, `constant(0.5)`,
 * `xavier_normal`, `orthogonal(gain=2)`: distinct schemes get distinct labels (sweep axes group by it).
 */
export function initializerLabel(spec: InitializerSpec): string {
  return choiceLabel(INITIALIZERS, spec);
}

/** A short name of an activation with its parameters where they differ from the defaults: `tanh`, `leaky_relu(alpha=0.1)`. */
export function activationLabel(spec: ActivationSpec): string {
  return choiceLabel(ACTIVATIONS, spec);
}

const common = {
  samples: z.number().int().min(4).max(LIMITS.maxSamples).default(1280),
  validationFraction: z.number().min(0).max(0.9).default(0.2),
  seed: seed().default(0),
  /** Standardise each feature with the training split's mean and std (false: train on the raw features). */
  standardize: z.boolean().default(true),
  /** Split each class in the validation fraction (largest remainders), as scikit-learn's `stratify=y`. */
  stratified: z.boolean().default(false),
};
const noise = (byDefault: number) => z.number().min(0).max(10).default(byDefault);

/** An inline dataset: rows of features and integer labels 0..k−1. */
const PointsSchema = z
  .object({
    name: z.literal("points"),
    features: z.array(z.array(finite()).min(1).max(LIMITS.maxFeatures)).min(4).max(LIMITS.maxSamples),
    labels: z.array(
      z
        .number()
        .int()
        .min(0)
        .max(LIMITS.maxClasses - 1),
    ),
    validationFraction: common.validationFraction,
    /** Which split each row belongs to, as published; given, it replaces validationFraction, stratified and the shuffle into splits. */
    split: z.array(z.enum(["train", "validation"])).optional(),
    seed: common.seed,
    standardize: common.standardize,
    stratified: common.stratified,
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.labels.length !== d.features.length) {
      ctx.addIssue({
        code: "custom",
        path: ["labels"],
        message: `expected one label per row: ${d.features.length} rows, ${d.labels.length} labels`,
      });
    }
    const width = d.features[0]?.length ?? 0;
    const bad = d.features.findIndex((row) => row.length !== width);
    if (bad >= 0) {
      ctx.addIssue({
        code: "custom",
        path: ["features", bad],
        message: `expected ${width} features like row 0, got ${d.features[bad]!.length}`,
      });
    }
    if (d.split) {
      if (d.split.length !== d.features.length) {
        ctx.addIssue({ code: "custom", path: ["split"], message: `expected one split per row: ${d.features.length} rows, ${d.split.length} splits` });
      } else if (!d.split.includes("train")) {
        ctx.addIssue({ code: "custom", path: ["split"], message: 'expected at least one "train" row' });
      }
    }
    if (new Set(d.labels).size < 2) {
      ctx.addIssue({ code: "custom", path: ["labels"], message: "expected at least 2 distinct classes" });
    }
  });

/**
 * An inline dataset kept apart, once, by the content hash of its `points` spec (SHA-256 of its
 * canonical JSON): what a sweep's stored runs and queued jobs carry instead of the rows, which
 * live once in Postgres (`Dataset`) and in Redis for the workers. `samples` and `features` are
 * its rows and columns, for the limits and labels. Trained only once resolved back to its points.
 */
const StoredDatasetSchema = z
  .object({
    name: z.literal("stored"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected the 64 hex digits of a SHA-256"),
    samples: z.number().int().min(4).max(LIMITS.maxSamples),
    features: z.number().int().min(1).max(LIMITS.maxFeatures),
  })
  .strict();

export const DatasetSpecSchema = named(
  z.discriminatedUnion("name", [
    z.object({ name: z.literal("moons"), ...common, noise: noise(0.2) }).strict(),
    z.object({ name: z.literal("circles"), ...common, noise: noise(0.1), factor: z.number().gt(0).lt(1).default(0.5) }).strict(),
    z
      .object({
        name: z.literal("spirals"),
        ...common,
        arms: z.number().int().min(2).max(LIMITS.maxClasses).default(3),
        turns: z.number().gt(0).max(5).default(1),
        noise: noise(0.2),
      })
      .strict(),
    z
      .object({
        name: z.literal("blobs"),
        ...common,
        centers: z.number().int().min(2).max(LIMITS.maxClasses).default(3),
        spread: positive().max(100).default(1),
      })
      .strict(),
    z.object({ name: z.literal("xor"), ...common, noise: noise(0.1) }).strict(),
    PointsSchema,
    StoredDatasetSchema,
  ]),
);
export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;
/** An inline dataset: its rows, labels and settings. */
export type PointsSpec = Extract<DatasetSpec, { name: "points" }>;
/** An inline dataset kept apart by its content hash. */
export type StoredDatasetSpec = Extract<DatasetSpec, { name: "stored" }>;

/** The reference that stands for `points` once they are kept apart under `sha256` (their content hash). */
export function storedDataset(points: PointsSpec, sha256: string): StoredDatasetSpec {
  return { name: "stored", sha256, samples: points.features.length, features: points.features[0]!.length };
}
/**
 * A dataset in words: its name and each setting that differs from that dataset's default, so
 * that a sweep over noise levels or sizes of one dataset gets one label per variant.
 */
export function datasetLabel(spec: DatasetSpec): string {
  if (spec.name === "points") return `points(${spec.features.length}×${spec.features[0]!.length})`;
  if (spec.name === "stored") return `points(${spec.samples}×${spec.features})`;
  const defaults: Record<string, unknown> = DatasetSpecSchema.parse({ name: spec.name });
  const changed = Object.entries(spec).filter(([k, v]) => k !== "name" && defaults[k] !== v);
  return changed.length === 0 ? spec.name : `${spec.name}(${changed.map(([k, v]) => `${k}=${String(v)}`).join(", ")})`;
}

/** Names of the datasets: the generated ones, inline points, and inline points kept apart (stored). */
export const DATASET_NAMES = ["moons", "circles", "spirals", "blobs", "xor", "points", "stored"] as const;
/** The datasets made from a name and settings (what a form or the CLI offers by name). */
export const GENERATED_DATASETS = ["moons", "circles", "spirals", "blobs", "xor"] as const satisfies readonly (typeof DATASET_NAMES)[number][];

const lr = (byDefault: number) => positive().max(100).default(byDefault);
const momentum = () => z.number().min(0).lt(1).default(0.9);
export const OptimizerSpecSchema = named(
  z.discriminatedUnion("name", [
    z.object({ name: z.literal("sgd"), lr: lr(0.01) }).strict(),
    z.object({ name: z.literal("momentum"), lr: lr(0.01), momentum: momentum() }).strict(),
    /** PyTorch's form: v ← μv + g(θ); θ ← θ − lr·(g + μv). The parameters held are the look-ahead point. */
    z.object({ name: z.literal("nesterov"), lr: lr(0.01), momentum: momentum() }).strict(),
    /**
     * Sutskever et al. (2013)'s form: v ← μv − lr·g(θ + μv); θ ← θ + v. The parameters held (and
     * traced) are θ; the gradient is taken at the look-ahead point θ + μv.
     */
    z.object({ name: z.literal("nesterov_sutskever"), lr: lr(0.01), momentum: momentum() }).strict(),
    z
      .object({
        name: z.literal("adam"),
        lr: lr(0.001),
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.999),
        epsilon: positive().default(1e-8),
      })
      .strict(),
  ]),
);
export type OptimizerSpec = z.infer<typeof OptimizerSpecSchema>;
/** Names of the optimizers. */
export const OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "nesterov_sutskever", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export const ModelSpecSchema = z
  .object({
    hidden: z.array(z.number().int().min(1).max(LIMITS.maxWidth)).min(1).max(LIMITS.maxDepth),
    activation: ActivationSpecSchema,
    weightInit: InitializerSpecSchema,
    biasInit: InitializerSpecSchema.default({ name: "zeros" }),
  })
  .strict();
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

export const TrainingSpecSchema = z
  .object({
    epochs: z.number().int().min(1).max(LIMITS.maxEpochs),
    batchSize: z.union([z.number().int().min(1).max(LIMITS.maxSamples), z.literal("full")]).default(32),
    optimizer: OptimizerSpecSchema.default({ name: "sgd", lr: 0.01 }),
    shuffle: z.boolean().default(true),
    seed: seed().default(0),
    /**
     * Wall-clock seconds a worker gives the run (default 6 h, at most a week); past it the run
     * fails as timed out, keeping the epochs it recorded. The trace never depends on it.
     */
    timeLimit: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(6 * 3600),
  })
  .strict();
export type TrainingSpec = z.infer<typeof TrainingSpecSchema>;

export const TracingSpecSchema = z
  .object({
    every: z.number().int().min(1).max(LIMITS.maxEpochs).default(1),
    histogramBins: z.number().int().min(2).max(LIMITS.maxHistogramBins).default(30),
    histogramRange: z
      .tuple([finite(), finite()])
      .refine(([lo, hi]) => lo < hi, "expected [low, high] with low < high")
      .optional(),
    /** How histogram bins divide the range: `symlog` (fine near 0, an octave apart beyond) or `linear` (histogram.ts). */
    histogramScale: z.enum(HISTOGRAM_SCALES).default("symlog"),
    probeSamples: z.number().int().min(1).max(LIMITS.maxProbeSamples).default(512),
    /**
     * Training loss and accuracy of a traced epoch: `epoch_end`, over the whole training split with
     * the weights the epoch ends with (one more forward pass over it); `running`, the mean over the
     * epoch's minibatches, each before its update (free, but one step behind, and noisy).
     */
    trainMetrics: z.enum(["epoch_end", "running"]).default("epoch_end"),
  })
  .strict();
export type TracingSpec = z.infer<typeof TracingSpecSchema>;

/**
 * What a run costs as the limits count it: its layer widths (the output sized for the most
 * classes), parameters, samples, and training work, 6 × parameters × samples × epochs
 * floating-point operations (forward, backward and update of every parameter for every sample).
 */
export function runCost(spec: { dataset: DatasetSpec; model: { hidden: readonly number[] }; training: { epochs: number } }) {
  const { dataset } = spec;
  const inputs = dataset.name === "points" ? (dataset.features[0]?.length ?? 0) : dataset.name === "stored" ? dataset.features : 2;
  const widths = [inputs, ...spec.model.hidden, LIMITS.maxClasses];
  let parameters = 0;
  for (let l = 1; l < widths.length; l++) parameters += widths[l]! * (widths[l - 1]! + 1);
  const samples = dataset.name === "points" ? dataset.features.length : dataset.samples;
  return { widths, parameters, samples, flops: 6 * parameters * samples * spec.training.epochs };
}

/** One training run, fully determined: the same RunSpec always gives the same Trace. */
export const RunSpecSchema = z
  .object({
    dataset: DatasetSpecSchema,
    model: ModelSpecSchema,
    training: TrainingSpecSchema,
    tracing: TracingSpecSchema.prefault({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const { widths, parameters, samples, flops } = runCost(spec);
    if (parameters > LIMITS.maxParameters) {
      ctx.addIssue({
        code: "custom",
        path: ["model", "hidden"],
        message: `the network would have about ${parameters} parameters; at most ${LIMITS.maxParameters} are allowed`,
      });
    }
    const { epochs } = spec.training;
    if (flops > LIMITS.maxTrainingFlops) {
      ctx.addIssue({
        code: "custom",
        path: ["training", "epochs"],
        message: `training would take about ${flops.toExponential(1)} floating-point operations (6 × ${parameters} parameters × ${samples} samples × ${epochs} epochs); at most ${LIMITS.maxTrainingFlops.toExponential(0)} (about 3 h on one CPU core) are allowed`,
      });
    }
    const { every, histogramBins } = spec.tracing;
    const traced = Math.floor((epochs - 1) / every) + 2;
    // Each layer has an activation and a pre-activation histogram.
    const perLayer = LAYER_METRICS.length + 2 * histogramBins;
    const values = traced * (EPOCH_SCALARS.length + (widths.length - 1) * perLayer);
    if (values > LIMITS.maxTraceValues) {
      ctx.addIssue({
        code: "custom",
        path: ["tracing", "every"],
        message: `the trace would hold about ${values} numbers (${traced} traced epochs × ${widths.length - 1} layers × ${perLayer} values); at most ${LIMITS.maxTraceValues} are allowed: trace every k-th epoch (tracing.every) or use fewer histogram bins`,
      });
    }
    const rows = spec.training.batchSize === "full" ? samples : Math.min(spec.training.batchSize, samples);
    const activations = rows * widths.slice(1).reduce((a, b) => a + b, 0);
    if (activations > LIMITS.maxActivations) {
      ctx.addIssue({
        code: "custom",
        path: ["training", "batchSize"],
        message: `a batch of ${rows} rows through these layers holds ${activations} activations; at most ${LIMITS.maxActivations} are allowed (use a smaller batch or narrower layers)`,
      });
    }
  });
export type RunSpec = z.infer<typeof RunSpecSchema>;
/** A RunSpec as written by people: defaults may be left out and names may be bare strings. */
export type RunSpecInput = z.input<typeof RunSpecSchema>;

/** Thrown for an invalid RunSpec (or other spec); `issues` name each field, the value given and what is allowed. */
export class SpecError extends Error {
  constructor(
    readonly issues: readonly SpecIssue[],
    subject = "RunSpec",
  ) {
    super(`invalid ${subject}:\n${issues.map((i) => `  - ${i.path}: ${i.message} (got ${i.received})`).join("\n")}`);
    this.name = "SpecError";
  }
}

/** One problem of an input document: where, what is wrong or allowed, and what was given. */
export interface SpecIssue {
  path: string;
  message: string;
  received: string;
  /** zod's code for the issue ("too_big", "invalid_type", …), where a schema found it. */
  code?: string;
}

/** Describes a zod error as issues naming field, allowed values and the value that was given. */
export function describeIssues(error: z.ZodError, input: unknown): SpecIssue[] {
  return error.issues.flatMap(unionIssues).map((issue) => {
    const path = issue.path.length === 0 ? "(root)" : formatPath(issue.path);
    return { path, message: issue.message, received: preview(valueAt(input, issue.path)), code: issue.code };
  });
}

/**
 * A union's issues: when exactly one of its branches accepted the input's type, that branch's
 * issues (say, a packed chunk's fault rather than "Invalid input"), else the union's own.
 */
function unionIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const fitting = issue.errors.filter((branch) => !branch.every((i) => i.code === "invalid_type" && i.path.length === 0));
  if (fitting.length !== 1) return [issue];
  return fitting[0]!.flatMap((i) => unionIssues({ ...i, path: [...issue.path, ...i.path] }));
}

/**
 * Validates `input` against `schema` (defaults filled in); throws SpecError naming each bad field
 * of `subject`. Before the schema (and anything recursive) sees it: nesting deeper than
 * LIMITS.maxJsonDepth, or a string with a NUL or a lone UTF-16 surrogate (Postgres stores neither), is refused.
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, subject: string): T {
  const unfit = unfitJson(input);
  if (unfit) throw new SpecError([unfit], subject);
  const result = schema.safeParse(input);
  if (!result.success) throw new SpecError(describeIssues(result.error, input), subject);
  return result.data;
}

/** Validates a RunSpec and fills in defaults; throws SpecError naming each bad field. */
export function parseRunSpec(input: unknown): RunSpec {
  return parseWith(RunSpecSchema, input, "RunSpec");
}

const NUL_OR_LONE_SURROGATE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first place where a JSON value nests too deep or holds an unstorable string, walked without recursion. */
function unfitJson(input: unknown): SpecIssue | undefined {
  const badText = (path: readonly PropertyKey[], what: string): SpecIssue => ({
    path: formatPath(path) || "(root)",
    message: `expected ${what} without NUL characters or lone UTF-16 surrogates`,
    received: `such ${what === "text" ? "a string" : "a key"}`,
  });
  if (typeof input === "string") return NUL_OR_LONE_SURROGATE.test(input) ? badText([], "text") : undefined;
  // Only objects and arrays are pushed: numbers and booleans need no visit, strings are checked in place.
  const stack: Array<[object, PropertyKey[]]> = input !== null && typeof input === "object" ? [[input, []]] : [];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (path.length >= LIMITS.maxJsonDepth) {
      return {
        path: "(root)",
        message: `expected JSON nested at most ${LIMITS.maxJsonDepth} levels deep`,
        received: `deeper nesting at ${formatPath(path.slice(0, 8))}…`,
      };
    }
    // By index over arrays: result messages hold long arrays of numbers, walked on every delivery.
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    const count = keys ? keys.length : (value as unknown[]).length;
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i]! : i;
      if (keys && NUL_OR_LONE_SURROGATE.test(key as string)) return badText(path, "keys");
      const child = (value as Record<PropertyKey, unknown>)[key];
      if (typeof child === "string") {
        if (NUL_OR_LONE_SURROGATE.test(child)) return badText([...path, key], "text");
      } else if (child !== null && typeof child === "object") stack.push([child, [...path, key]]);
    }
  }
  return undefined;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value === "string" && path.length > 0) return value;
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
