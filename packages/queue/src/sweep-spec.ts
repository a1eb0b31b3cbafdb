import {
  ActivationSpecSchema,
  DatasetSpecSchema,
  InitializerSpecSchema,
  LIMITS,
  OPTIMIZER_NAMES,
  parseWith,
  RUN_TARGETS,
  SWEEP_LIMITS,
  SpecError,
  StoppingSpecSchema,
  TrainingSpecSchema,
  TracingSpecSchema,
  type RunAxis,
  type RunSpecInput,
} from "@gradtrace/core";
import { z } from "zod";

/** A client-chosen idempotency key: 1–200 visible ASCII characters, as HTTP headers carry them. */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, { error: "expected 1 to 200 visible ASCII characters (a UUID, say)" });

const axis = <T extends z.ZodType>(item: T, max: number = SWEEP_LIMITS.maxAxisValues) => z.array(item).min(1).max(max);

/**
 * A sweep as a researcher submits it: the axes whose product (or a random sample of it) are the
 * runs, and the settings every run shares.
 */
export const SweepSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** The submitter's key: submitting again with the same key answers the first sweep and stores nothing (a retry after a lost answer). */
    idempotencyKey: IdempotencyKeySchema.optional(),
    axes: z
      .object({
        activations: axis(ActivationSpecSchema),
        initializers: axis(InitializerSpecSchema),
        depths: axis(z.number().int().min(1).max(LIMITS.maxDepth)),
        widths: axis(z.number().int().min(1).max(LIMITS.maxWidth)),
        optimizers: axis(z.enum(OPTIMIZER_NAMES)).default(["sgd"]),
        learningRates: axis(z.number().finite().positive().max(100)),
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
        momentum: z.number().min(0).lt(1).default(0.9),
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
      ])
      .default({ mode: "grid" }),
    /** Which workers may train the runs. */
    device: z.enum(RUN_TARGETS).default("any"),
    /** Early stopping of hopeless runs (ASHA, median, diagnoses); without it every run trains to the end. */
    stopping: StoppingSpecSchema.optional(),
  })
  .strict();
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;

/** The axes in the order a run's index is decoded (the last varies fastest): fixed, since it decides which runs a seeded sample picks. */
const AXES = (["dataset", "activation", "initializer", "depth", "width", "optimizer", "learningRate", "seed"] as const satisfies readonly RunAxis[]).map(
  (a) => `${a}s` as const,
);

/** How many runs the full grid of a sweep's axes has. */
export function gridSize(spec: SweepSpec): number {
  return AXES.reduce((n, a) => n * spec.axes[a].length, 1);
}

/** How many runs a sweep expands to: the grid, or the random sample's size (at most the grid). */
export function runCount(spec: SweepSpec): number {
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
  const inline = inlineValues(spec);
  if (inline > SWEEP_LIMITS.maxInlineValues) {
    throw new SpecError(
      [
        {
          path: "axes.datasets",
          message: `every run carries its inline dataset: ${inline} numbers over the sweep's runs; at most ${SWEEP_LIMITS.maxInlineValues} are allowed (fewer runs, or a smaller or generated dataset)`,
          received: `${inline} numbers`,
        },
      ],
      "sweep spec",
    );
  }
  return spec;
}

/** Numbers of inline data the runs of a sweep carry in all: each points dataset's size × the runs that use it. */
function inlineValues(spec: SweepSpec): number {
  const { datasets } = spec.axes;
  const runsEach = Math.min(runCount(spec), gridSize(spec) / datasets.length);
  return datasets.reduce((sum, d) => sum + (d.name === "points" ? d.features.length * (d.features[0]!.length + 1) * runsEach : 0), 0);
}

/** The RunSpec (as input, defaults still to fill) of the combination with this index into the grid. */
export function runAt(spec: SweepSpec, index: number): RunSpecInput {
  const pick: Record<string, unknown> = {};
  let rest = index;
  for (let a = AXES.length - 1; a >= 0; a--) {
    const values = spec.axes[AXES[a]!] as readonly unknown[];
    pick[AXES[a]!] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  const { fixed } = spec;
  const name = pick.optimizers as SweepSpec["axes"]["optimizers"][number];
  const lr = pick.learningRates as number;
  const optimizer =
    name === "adam"
      ? { name, lr, beta1: fixed.beta1, beta2: fixed.beta2, epsilon: fixed.epsilon }
      : name === "sgd"
        ? { name, lr }
        : { name, lr, momentum: fixed.momentum };
  return {
    dataset: pick.datasets as RunSpecInput["dataset"],
    model: {
      hidden: Array<number>(pick.depths as number).fill(pick.widths as number),
      activation: pick.activations as RunSpecInput["model"]["activation"],
      weightInit: pick.initializers as RunSpecInput["model"]["weightInit"],
      biasInit: fixed.biasInit,
    },
    training: { epochs: fixed.epochs, batchSize: fixed.batchSize, optimizer, shuffle: fixed.shuffle, seed: pick.seeds as number, timeLimit: fixed.timeLimit },
    tracing: fixed.tracing,
  };
}
