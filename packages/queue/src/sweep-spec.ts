import {
  ActivationSpecSchema,
  DatasetSpecSchema,
  InitializerSpecSchema,
  LIMITS,
  OPTIMIZER_NAMES,
  parseRunSpec,
  parseWith,
  RUN_TARGETS,
  runCost,
  SWEEP_LIMITS,
  SpecError,
  STOPPING_METRICS,
  StoppingSpecSchema,
  TPE_DEFAULTS,
  TrainingSpecSchema,
  TracingSpecSchema,
  type RunAxis,
  type RunSpec,
  type RunSpecInput,
} from "@gradtrace/core";
import { z } from "zod";

/** A client-chosen idempotency key: 1–200 visible ASCII characters, as HTTP headers carry them. */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, { error: "expected 1 to 200 visible ASCII characters (a UUID, say)" });

const axis = <T extends z.ZodType>(item: T, max: number = SWEEP_LIMITS.maxAxisValues) => z.array(item).min(1).max(max);

const depth = z.number().int().min(1).max(LIMITS.maxDepth);
const width = z.number().int().min(1).max(LIMITS.maxWidth);
const learningRate = z.number().finite().positive().max(100);
const momentum = z.number().min(0).lt(1);

/** A range a model-based search draws a setting from: [low, high], on a log scale when `log` (then low > 0). */
const range = (value: z.ZodNumber) =>
  z
    .object({ low: value, high: value, log: z.boolean().default(false) })
    .strict()
    .refine((r) => r.low < r.high, { error: "low must be below high", path: ["high"] })
    .refine((r) => !r.log || r.low > 0, { error: "a log scale needs low > 0", path: ["low"] });

/** The numeric settings a model-based search may draw from a range instead of an axis list. */
export const SearchSpaceSchema = z
  .object({
    learningRate: range(learningRate).optional(),
    depth: range(depth).optional(),
    width: range(width).optional(),
    momentum: range(momentum).optional(),
  })
  .strict();
export type SearchSpace = z.infer<typeof SearchSpaceSchema>;

/** A sweep's name, as given at launch and on renaming. */
const SweepNameSchema = z.string().trim().min(1).max(200);

/** Tags a sweep or run may carry: each one word (no spaces or commas), at most 40 characters; at most 20. */
const TagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[^\s,]+$/, { error: "a tag is one word: no spaces or commas" }),
  )
  .max(20)
  .transform((tags) => [...new Set(tags)]);

/** What a researcher keeps with a run after launching it: notes (at most 10,000 characters) and tags; at least one of them. */
export const RunAnnotationSchema = z
  .strictObject({ notes: z.string().max(10_000).optional(), tags: TagsSchema.optional() })
  .refine((a) => Object.values(a).some((v) => v !== undefined), { error: "nothing to change: give notes or tags" });
export type RunAnnotation = z.infer<typeof RunAnnotationSchema>;

/** What a researcher may change of a sweep after launching it: its name, notes and tags; at least one of them. */
export const SweepAnnotationSchema = z
  .strictObject({ name: SweepNameSchema.optional(), notes: z.string().max(10_000).optional(), tags: TagsSchema.optional() })
  .refine((a) => Object.values(a).some((v) => v !== undefined), { error: "nothing to change: give a name, notes or tags" });
export type SweepAnnotation = z.infer<typeof SweepAnnotationSchema>;

/** The axes a search range replaces. */
const RANGED_AXES = { learningRate: "learningRates", depth: "depths", width: "widths" } as const;

/**
 * A sweep as a researcher submits it: the axes whose product (or a random sample of it) are the
 * runs, and the settings every run shares.
 */
export const SweepSpecSchema = z
  .object({
    name: SweepNameSchema,
    /** The submitter's key: submitting again with the same key answers the first sweep and stores nothing (a retry after a lost answer). */
    idempotencyKey: IdempotencyKeySchema.optional(),
    axes: z
      .object({
        activations: axis(ActivationSpecSchema),
        initializers: axis(InitializerSpecSchema),
        /** Required unless a TPE search draws depths from sampling.space.depth; likewise widths and learning rates. */
        depths: axis(depth).optional(),
        widths: axis(width).optional(),
        optimizers: axis(z.enum(OPTIMIZER_NAMES)).default(["sgd"]),
        learningRates: axis(learningRate).optional(),
        datasets: axis(DatasetSpecSchema).prefault(["moons"]),
        seeds: axis(TrainingSpecSchema.shape.seed.unwrap(), SWEEP_LIMITS.maxSeeds).default([0]),
      } satisfies Record<`${RunAxis}s`, z.ZodType>)
      .strict(),
    fixed: z
      .object({
        epochs: TrainingSpecSchema.shape.epochs,
        batchSize: TrainingSpecSchema.shape.batchSize,
        biasInit: InitializerSpecSchema.default({ name: "zeros" }),
        /** Optimizer parameters besides lr: momentum, beta1, beta2, epsilon (ignored where they do not apply). */
        momentum: momentum.default(0.9),
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.999),
        epsilon: z.number().finite().positive().default(1e-8),
        shuffle: z.boolean().default(true),
        /** Each run's wall-clock limit in seconds (training.timeLimit). */
        timeLimit: TrainingSpecSchema.shape.timeLimit,
        tracing: TracingSpecSchema.prefault({}),
      })
      .strict(),
    sampling: z
      .discriminatedUnion("mode", [
        z.object({ mode: z.literal("grid") }).strict(),
        z.object({ mode: z.literal("random"), count: z.number().int().min(1).max(SWEEP_LIMITS.maxRuns), seed: z.number().int().min(0).default(0) }).strict(),
        z
          .object({
            mode: z.literal("tpe"),
            /** Configurations to try; each trains once per seed of axes.seeds, its objective the mean over them. */
            trials: z.number().int().min(1).max(SWEEP_LIMITS.maxRuns),
            /** Trials in flight at once: each one that finishes updates the model before the next is proposed. */
            parallelism: z.number().int().min(1).max(1000).default(4),
            seed: z.number().int().min(0).default(0),
            /** Trials drawn at random before the model proposes (all of them: random search over the same space). */
            startupTrials: z.number().int().min(0).max(SWEEP_LIMITS.maxRuns).default(TPE_DEFAULTS.startupTrials),
            /** The final metric minimised (losses) or maximised (accuracies). */
            objective: z.enum(STOPPING_METRICS).default("valLoss"),
            /** Ranges replacing axis lists; the other axes' lists are categorical choices. */
            space: SearchSpaceSchema.default({}),
          })
          .strict(),
      ])
      .default({ mode: "grid" }),
    /** Which workers may train the runs. */
    device: z.enum(RUN_TARGETS).default("any"),
    /** Early stopping of hopeless runs (ASHA, median, diagnoses); without it every run trains to the end. */
    stopping: StoppingSpecSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const space: SearchSpace = spec.sampling.mode === "tpe" ? spec.sampling.space : {};
    for (const [setting, list] of Object.entries(RANGED_AXES) as Array<[keyof typeof RANGED_AXES, (typeof RANGED_AXES)[keyof typeof RANGED_AXES]]>) {
      const ranged = space[setting] !== undefined;
      if (ranged && spec.axes[list] !== undefined) {
        ctx.addIssue({ code: "custom", path: ["axes", list], message: `give either axes.${list} or sampling.space.${setting}, not both` });
      }
      if (!ranged && spec.axes[list] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["axes", list],
          message: `expected a list of values${spec.sampling.mode === "tpe" ? ` (or a range in sampling.space.${setting})` : ""}`,
        });
      }
    }
  });
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;

/** The axes in the order a run's index is decoded (the last varies fastest): fixed, since it decides which runs a seeded sample picks. */
const AXES = (["dataset", "activation", "initializer", "depth", "width", "optimizer", "learningRate", "seed"] as const satisfies readonly RunAxis[]).map(
  (a) => `${a}s` as const,
);

/** An axis's values; a search range in its place counts as one value (the search draws it). */
function axisValues(spec: SweepSpec, a: (typeof AXES)[number]): readonly unknown[] {
  return spec.axes[a] ?? [undefined];
}

/** How many runs the full grid of a sweep's axes has. */
export function gridSize(spec: SweepSpec): number {
  return AXES.reduce((n, a) => n * axisValues(spec, a).length, 1);
}

/** How many runs a sweep expands to: the grid, the random sample's size (at most the grid), or each trial of a search once per seed. */
export function runCount(spec: SweepSpec): number {
  if (spec.sampling.mode === "tpe") return spec.sampling.trials * spec.axes.seeds.length;
  const grid = gridSize(spec);
  return spec.sampling.mode === "grid" ? grid : Math.min(spec.sampling.count, grid);
}

/** Validates a sweep spec; throws SpecError naming each bad field, including a sweep with too many runs. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const spec = parseWith(SweepSpecSchema, input, "sweep spec");
  const count = runCount(spec);
  if (count > SWEEP_LIMITS.maxRuns) {
    throw new SpecError(
      [
        {
          path: "axes",
          message: `the sweep expands to ${count} runs; at most ${SWEEP_LIMITS.maxRuns} are allowed (drop axis values or sample at random)`,
          received: `${count} runs`,
        },
      ],
      "sweep spec",
    );
  }
  if (spec.sampling.mode === "tpe") checkLargestTrial(spec, spec.sampling.space);
  const inline = inlineValues(spec);
  if (inline > SWEEP_LIMITS.maxInlineValues) {
    throw new SpecError(
      [
        {
          path: "axes.datasets",
          message: `the sweep's inline datasets hold ${inline} numbers; at most ${SWEEP_LIMITS.maxInlineValues} are allowed (smaller or generated datasets)`,
          received: `${inline} numbers`,
        },
      ],
      "sweep spec",
    );
  }
  return spec;
}

/**
 * A search's largest trial on each dataset — every range and list at its widest, deepest —
 * must be a valid run: parameters, activations and work grow with depth and width, so then every
 * trial the search may propose is one.
 */
function checkLargestTrial(spec: SweepSpec, space: SearchSpace): void {
  const { axes } = spec;
  for (const dataset of axes.datasets) {
    const pick: AxisPick = {
      dataset,
      activation: axes.activations[0]!,
      initializer: axes.initializers[0]!,
      depth: space.depth?.high ?? Math.max(...axes.depths!),
      width: space.width?.high ?? Math.max(...axes.widths!),
      optimizer: axes.optimizers[0]!,
      learningRate: space.learningRate?.high ?? axes.learningRates![0]!,
      seed: axes.seeds[0]!,
    };
    let largest: RunSpec;
    try {
      largest = parseRunSpec(runOf(spec, pick));
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      throw new SpecError(
        error.issues.map((i) => ({ ...i, path: `sampling.space (the largest trial, ${pick.depth} × ${pick.width}): ${i.path}` })),
        "sweep spec",
      );
    }
    const runs = spec.sampling.mode === "tpe" ? spec.sampling.trials * axes.seeds.length : 0;
    checkSweepFlops(runCost(largest).flops * runs, "sampling.trials", `${runs} runs (trials × seeds, each counted as the largest trial)`);
  }
}

/** Refuses a sweep whose runs would train beyond SWEEP_LIMITS.maxSweepFlops together, naming the estimate. */
export function checkSweepFlops(flops: number, path: string, what: string): void {
  if (flops <= SWEEP_LIMITS.maxSweepFlops) return;
  throw new SpecError(
    [
      {
        path,
        message: `the sweep's ${what} would train about ${flops.toExponential(1)} floating-point operations in all; at most ${SWEEP_LIMITS.maxSweepFlops.toExponential(0)} (about 300 h on one CPU core) are allowed: fewer runs, epochs or samples, or smaller nets`,
        received: `${flops.toExponential(1)} FLOPs`,
      },
    ],
    "sweep spec",
  );
}

/** Numbers of inline data a sweep holds: each points dataset's size, once (its runs carry a stored reference). */
function inlineValues(spec: SweepSpec): number {
  return spec.axes.datasets.reduce((sum, d) => sum + (d.name === "points" ? d.features.length * (d.features[0]!.length + 1) : 0), 0);
}

/** One value of every axis (an axis's `s` dropped: `activation` from `activations`), and a momentum a search drew. */
export type AxisPick = { [A in (typeof AXES)[number] as A extends `${infer B}s` ? B : never]: NonNullable<SweepSpec["axes"][A]>[number] } & {
  momentum?: number;
};

/** The RunSpec (as input, defaults still to fill) of the combination with this index into the grid. */
export function runAt(spec: SweepSpec, index: number): RunSpecInput {
  const pick: Record<string, unknown> = {};
  let rest = index;
  for (let a = AXES.length - 1; a >= 0; a--) {
    const values = axisValues(spec, AXES[a]!);
    pick[AXES[a]!.slice(0, -1)] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  return runOf(spec, pick as AxisPick);
}

/** The RunSpec (as input) of one value of every axis with the sweep's fixed settings. */
export function runOf(spec: SweepSpec, pick: AxisPick): RunSpecInput {
  const { fixed } = spec;
  const { optimizer: name, learningRate: lr } = pick;
  const optimizer =
    name === "adam"
      ? { name, lr, beta1: fixed.beta1, beta2: fixed.beta2, epsilon: fixed.epsilon }
      : name === "sgd"
        ? { name, lr }
        : { name, lr, momentum: pick.momentum ?? fixed.momentum };
  return {
    dataset: pick.dataset as RunSpecInput["dataset"],
    model: {
      hidden: Array<number>(pick.depth).fill(pick.width),
      activation: pick.activation as RunSpecInput["model"]["activation"],
      weightInit: pick.initializer as RunSpecInput["model"]["weightInit"],
      biasInit: fixed.biasInit,
    },
    training: { epochs: fixed.epochs, batchSize: fixed.batchSize, optimizer, shuffle: fixed.shuffle, seed: pick.seed, timeLimit: fixed.timeLimit },
    tracing: fixed.tracing,
  };
}
