import { existsSync, readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  ACTIVATIONS,
  DATASET_NAMES,
  fromShorthand,
  INITIALIZERS,
  KERNELS_NAMES,
  LIMITS,
  OPTIMIZER_NAMES,
  Run,
  shorthand,
  SpecError,
  type EpochRecord,
  type KernelsName,
  type Named,
} from "@gradtrace/core";
import { UsageError } from "./usage-error.ts";

/** Words joined by spaces, broken into lines that continue under the help's second column. */
function wrap(words: readonly string[], width = 72): string {
  const lines = [""];
  for (const word of words) {
    if (lines.at(-1)!.length > 0 && lines.at(-1)!.length + word.length + 1 > width) lines.push("");
    lines[lines.length - 1] = lines.at(-1)! ? `${lines.at(-1)!} ${word}` : word;
  }
  return lines.join(`\n${" ".repeat(26)}`);
}

/** Help text of `gradtrace train`. */
export const TRAIN_USAGE = `gradtrace train — train one run and print its trace

  --spec FILE|JSON        a RunSpec (a file path or inline JSON); the flags below override its fields
  --dataset NAME          ${DATASET_NAMES.filter((d) => d !== "points").join(" | ")}          (default moons)
  --samples N             points in the dataset, training + validation     (default 1280)
  --noise X               dataset noise                                    (dataset's default)
  --activation NAME[:P]   ${wrap([...ACTIVATIONS.map(shorthand), "(default relu)"])}
  --init NAME[:P]         ${wrap([...INITIALIZERS.map(shorthand), "(default he_normal)"])}
  --bias-init NAME[:P]    as --init                                        (default zeros)
  --depth N --width N     N hidden layers of the same width                (default 2 × 64)
  --hidden W,W,...        hidden widths, e.g. 64,32,16 (instead of --depth/--width)
  --epochs N              (required unless in --spec)
  --batch-size N|full     (default 32)
  --optimizer NAME        ${OPTIMIZER_NAMES.join(" | ")}                 (default sgd)
  --lr X                  learning rate                  (default 0.01; adam 0.001)
  --seed N                seeds weights and shuffling (and the dataset unless in --spec) (default 0)
  --trace-every K         trace every K-th epoch; epoch 0 and the last are always traced (default 1)
  --kernels wasm|js       SIMD WebAssembly (default) or the plain TypeScript reference
  --format jsonl|json     one line per traced epoch then a summary line (default), or one document

Negative numbers are values (--lr -1 is reported as a learning rate out of range); every invalid
flag is reported at once.

Exit codes: 0 trained (a diverged run too: see its summary), 2 invalid input.`;

const options = {
  spec: { type: "string" },
  dataset: { type: "string" },
  samples: { type: "string" },
  noise: { type: "string" },
  activation: { type: "string" },
  init: { type: "string" },
  "bias-init": { type: "string" },
  depth: { type: "string" },
  width: { type: "string" },
  hidden: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  seed: { type: "string" },
  "trace-every": { type: "string" },
  kernels: { type: "string" },
  format: { type: "string" },
} as const;

type Json = Record<string, unknown>;

/** Reads `name` or `name:value` (the value sets the first parameter) for the flag `flag`; a bad one is added to `problems`. */
function named(flag: string, choices: readonly Named[], text: string, problems: string[]): Json | undefined {
  try {
    return fromShorthand(choices, text);
  } catch (error) {
    problems.push(`--${flag}: ${(error as Error).message}; NAME[:P] sets the first parameter of ${choices.map(shorthand).join(" ")}`);
    return undefined;
  }
}

function loadSpec(text: string): Json {
  const source = existsSync(text) ? readFileSync(text, "utf8") : text;
  try {
    const parsed: unknown = JSON.parse(source);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Json;
  } catch (error) {
    throw new UsageError(`--spec: expected a RunSpec as a JSON object or a path to a JSON file (${(error as Error).message})`);
  }
}

/** Turns a number flag into a number; what is not one reaches validation as NaN and is reported there. */
const num = (text: string): number => (text.trim() === "" ? NaN : Number(text));

/**
 * Builds the RunSpec input from --spec and the flags that override it. Problems only a flag can
 * have (an unknown activation name, a depth that cannot size the layer list) go to `problems`,
 * so that they are reported together with what validating the spec finds.
 */
export function specFromArgs(values: Partial<Record<keyof typeof options, string>>, problems: string[] = []): Json {
  const spec = values.spec ? loadSpec(values.spec) : {};
  const section = (key: string): Json => {
    const current = spec[key];
    const object: Json = typeof current === "string" ? { name: current } : { ...(current as Json | undefined) };
    spec[key] = object;
    return object;
  };
  const dataset = section("dataset");
  if (values.dataset) {
    for (const key of Object.keys(dataset)) if (key !== "samples" && key !== "seed") delete dataset[key];
    dataset.name = values.dataset;
  }
  dataset.name ??= "moons";
  if (values.samples) dataset.samples = num(values.samples);
  if (values.noise) dataset.noise = num(values.noise);
  const model = section("model");
  if (values.activation) model.activation = named("activation", ACTIVATIONS, values.activation, problems);
  if (values.init) model.weightInit = named("init", INITIALIZERS, values.init, problems);
  if (values["bias-init"]) model.biasInit = named("bias-init", INITIALIZERS, values["bias-init"], problems);
  if (values.hidden) model.hidden = values.hidden.split(",").map(num);
  else if (values.depth || values.width) {
    const current = Array.isArray(model.hidden) ? (model.hidden as number[]) : [];
    const depth = values.depth ? num(values.depth) : current.length || 2;
    const width = values.width ? num(values.width) : (current[0] ?? 64);
    if (!Number.isInteger(depth) || depth < 1 || depth > LIMITS.maxDepth) {
      problems.push(`--depth: got '${values.depth}', expected an integer from 1 to ${LIMITS.maxDepth}`);
      model.hidden = [width];
    } else model.hidden = Array(depth).fill(width);
  }
  model.activation ??= "relu";
  model.weightInit ??= "he_normal";
  model.hidden ??= [64, 64];
  const training = section("training");
  if (values.epochs) training.epochs = num(values.epochs);
  if (values["batch-size"]) training.batchSize = values["batch-size"] === "full" ? "full" : num(values["batch-size"]);
  if (values.optimizer || values.lr) {
    const current = training.optimizer;
    const optimizer: Json = typeof current === "string" ? { name: current } : { ...(current as Json | undefined) };
    if (values.optimizer && values.optimizer !== optimizer.name) {
      for (const key of Object.keys(optimizer)) delete optimizer[key];
      optimizer.name = values.optimizer;
    }
    optimizer.name ??= "sgd";
    if (values.lr) optimizer.lr = num(values.lr);
    training.optimizer = optimizer;
  }
  if (values.seed) {
    training.seed = num(values.seed);
    if (!values.spec) dataset.seed = num(values.seed);
  }
  if (values["trace-every"]) section("tracing").every = num(values["trace-every"]);
  return spec;
}

/** `gradtrace train`: trains one RunSpec and writes its trace to `out`; resolves to the exit code. */
export async function runTrain(argv: string[], out: Writable): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: valuesAttached(argv), options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\nRun 'gradtrace help train' for the flags.`);
  }
  const problems: string[] = [];
  const format = values.format ?? "jsonl";
  if (format !== "jsonl" && format !== "json") problems.push(`--format: got '${format}', expected jsonl or json`);
  const kernels = (values.kernels ?? "wasm") as KernelsName;
  if (!KERNELS_NAMES.includes(kernels)) problems.push(`--kernels: got '${kernels}', expected ${KERNELS_NAMES.join(" or ")}`);
  let run: Run | undefined;
  try {
    const spec = specFromArgs(values, problems);
    run = new Run(spec, { kernels: KERNELS_NAMES.includes(kernels) ? kernels : "wasm" });
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0 || !run) throw new UsageError(problems.join("\n"));
  const iterator = run.epochs();
  const epochs: EpochRecord[] = [];
  for (let next = iterator.next(); ; next = iterator.next()) {
    if (next.done) {
      const summary = next.value;
      if (format === "json") {
        await write(out, `${JSON.stringify({ version: 1, spec: run.spec, kernels: run.kernels, layers: run.layers, epochs, summary }, null, 2)}\n`);
      } else {
        await write(out, `${JSON.stringify({ type: "summary", spec: run.spec, kernels: run.kernels, layers: run.layers, ...summary })}\n`);
      }
      return 0;
    }
    if (format === "json") epochs.push(next.value);
    else await write(out, `${JSON.stringify({ type: "epoch", ...next.value })}\n`);
  }
}

/**
 * Joins `--flag -1` into `--flag=-1` for flags that take a value, so that parseArgs reads a
 * negative number as the flag's value instead of refusing it as ambiguous.
 */
export function valuesAttached(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const flag = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (flag && flag in options && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Writes respecting backpressure, so a slow pipe never buffers a whole trace in memory. */
function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(text)) resolve();
    else out.once("drain", resolve).once("error", reject);
  });
}
