import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  ACTIVATIONS,
  GENERATED_DATASETS,
  fromShorthand,
  INITIALIZERS,
  KERNELS_NAMES,
  LIMITS,
  OPTIMIZER_NAMES,
  parseRunSpec,
  Run,
  shorthand,
  SpecError,
  type EpochRecord,
  type KernelsName,
  type Named,
  type TraceSummary,
} from "@gradtrace/core";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { aggregate, fixed, MAX_SEEDS, parseSeeds, tableFooter, tableHeader, tableRow, type SeedResult } from "./seeds.ts";
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
export const TRAIN_USAGE = `gradtrace train — train one run and print its trace, or many seeds of it and their aggregate

  --spec FILE|JSON        a RunSpec (a file path or inline JSON); the flags below override its fields
  --dataset NAME          ${GENERATED_DATASETS.join(" | ")}          (default moons)
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
  --seeds LIST            train each seed as --seed would, on a pool of threads, e.g. 0..999 or 0,1,2
                          or 0..9,100 (at most ${MAX_SEEDS}); prints one summary per seed, in seed
                          order, then the aggregate: mean ± std of the final metrics and the
                          fraction of seeds given each diagnosis
  --threads N             threads for --seeds                              (default: the CPU count)
  --trace-every K         trace every K-th epoch; epoch 0 and the last are always traced (default 1)
  --kernels wasm|js       SIMD WebAssembly (default) or the plain TypeScript reference
  --format jsonl|json|table
                          JSON Lines (default): one line per traced epoch then the summary (with
                          --seeds: one line per seed then the aggregate); json: one document;
                          table: aligned columns for people

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
  seeds: { type: "string" },
  threads: { type: "string" },
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
  if (values.seed) withSeed(spec, num(values.seed), !values.spec);
  if (values["trace-every"]) section("tracing").every = num(values["trace-every"]);
  return spec;
}

/** Sets a spec's training seed, and its dataset's too when `dataset` (a spec file fixes its own data); returns the spec. */
function withSeed(spec: Json, seed: number, dataset: boolean): Json {
  (spec.training as Json).seed = seed;
  if (dataset) (spec.dataset as Json).seed = seed;
  return spec;
}

const FORMATS = ["jsonl", "json", "table"] as const;
type Format = (typeof FORMATS)[number];

/** `gradtrace train`: trains one RunSpec (or one per seed of --seeds) and writes the results to `out`; resolves to the exit code. */
export async function runTrain(argv: string[], out: Writable): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: valuesAttached(argv), options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\nRun 'gradtrace help train' for the flags.`);
  }
  const problems: string[] = [];
  const format = (values.format ?? "jsonl") as Format;
  if (!FORMATS.includes(format)) problems.push(`--format: got '${format}', expected ${FORMATS.join(", ")}`);
  const kernels = (values.kernels ?? "wasm") as KernelsName;
  if (!KERNELS_NAMES.includes(kernels)) problems.push(`--kernels: got '${kernels}', expected ${KERNELS_NAMES.join(" or ")}`);
  let seeds: number[] | undefined;
  if (values.seeds !== undefined) {
    if (values.seed !== undefined) problems.push("--seed and --seeds: give one (--seeds 3 trains seed 3 alone)");
    const parsed = parseSeeds(values.seeds);
    seeds = parsed.seeds;
    problems.push(...parsed.problems);
  }
  const threads = values.threads === undefined ? Math.min(availableParallelism(), seeds?.length ?? 1) : num(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) problems.push(`--threads: got '${values.threads}', expected an integer from 1 to 256`);
  else if (values.threads !== undefined && seeds === undefined) problems.push("--threads: only --seeds trains on threads; add --seeds or drop --threads");
  let run: Run | undefined;
  let spec: Json | undefined;
  try {
    spec = specFromArgs(values, problems);
    // With --seeds, every seed's spec differs only in its seeds: validating the first validates all.
    if (seeds) parseRunSpec(withSeed(structuredClone(spec), seeds[0] ?? 0, !values.spec));
    else run = new Run(spec, { kernels: KERNELS_NAMES.includes(kernels) ? kernels : "wasm" });
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0 || !spec) throw new UsageError(problems.join("\n"));
  if (seeds) return trainSeeds(spec, seeds, { threads, kernels, format, datasetSeeds: !values.spec }, out);
  return trainOne(run!, format, out);
}

/** Streams one run's traced epochs and summary in `format`. */
async function trainOne(run: Run, format: Format, out: Writable): Promise<number> {
  const iterator = run.epochs();
  const epochs: EpochRecord[] = [];
  if (format === "table") await write(out, `${["epoch", "train loss", "train acc", "val loss", "val acc"].map((c) => c.padStart(10)).join("  ")}\n`);
  for (let next = iterator.next(); ; next = iterator.next()) {
    if (next.done) {
      const summary = next.value;
      if (format === "json") {
        await write(out, `${JSON.stringify({ version: 1, spec: run.spec, kernels: run.kernels, layers: run.layers, epochs, summary }, null, 2)}\n`);
      } else if (format === "table") {
        const said = summary.diagnoses.map((d) => `  ${d.kind} from epoch ${d.epoch}: ${d.evidence}`);
        await write(out, `\n${summary.status}, ${summary.epochsRun} epochs\n${said.length > 0 ? `diagnoses:\n${said.join("\n")}` : "diagnoses: none"}\n`);
      } else {
        await write(out, `${JSON.stringify({ type: "summary", spec: run.spec, kernels: run.kernels, layers: run.layers, ...summary })}\n`);
      }
      return 0;
    }
    const e = next.value;
    if (format === "json") epochs.push(e);
    else if (format === "table")
      await write(
        out,
        `${[String(e.epoch), fixed(e.trainLoss), fixed(e.trainAccuracy), fixed(e.valLoss), fixed(e.valAccuracy)].map((c) => c.padStart(10)).join("  ")}\n`,
      );
    else await write(out, `${JSON.stringify({ type: "epoch", ...e })}\n`);
  }
}

/**
 * Trains the spec once per seed on a pool of threads, printing each seed's summary in seed order
 * as soon as those before it are done, then the aggregate.
 */
async function trainSeeds(
  spec: Json,
  seeds: readonly number[],
  options: { threads: number; kernels: KernelsName; format: Format; datasetSeeds: boolean },
  out: Writable,
): Promise<number> {
  const started = performance.now();
  const pool = new ThreadPool(options.threads, options.kernels);
  const sink = { layers: async () => {}, epoch: async () => {} };
  const results: SeedResult[] = [];
  const done = new Map<number, TraceSummary>();
  const record = ({ seed, summary: { status, epochsRun, divergedAt, final, diagnoses } }: SeedResult) => ({
    type: "run",
    seed,
    status,
    epochsRun,
    divergedAt,
    final,
    diagnoses,
  });
  const line = (r: SeedResult) => (options.format === "table" ? tableRow(r) : JSON.stringify(record(r)));
  if (options.format === "table") await write(out, `${tableHeader()}\n`);
  try {
    const signal = new AbortController().signal;
    await Promise.all(
      seeds.map(async (seed, i) => {
        done.set(i, await pool.train(parseRunSpec(withSeed(structuredClone(spec), seed, options.datasetSeeds)), sink, signal));
        // Print every finished seed that no unfinished seed precedes.
        while (done.has(results.length)) {
          const k = results.length;
          results.push({ seed: seeds[k]!, summary: done.get(k)! });
          done.delete(k);
          if (options.format !== "json") await write(out, `${line(results[k]!)}\n`);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const summary = aggregate(results);
  const seconds = (performance.now() - started) / 1000;
  if (options.format === "table") await write(out, `${tableFooter(summary, seconds, options.threads)}\n`);
  else if (options.format === "json") {
    await write(out, `${JSON.stringify({ spec, seeds, runs: results.map(record), aggregate: { ...summary, seconds, threads: options.threads } }, null, 2)}\n`);
  } else await write(out, `${JSON.stringify({ type: "aggregate", ...summary, seconds, threads: options.threads })}\n`);
  return 0;
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
