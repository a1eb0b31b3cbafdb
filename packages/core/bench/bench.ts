// npm run bench -w @gradtrace/core: the canonical cell and the 72-cell grid, trained by gradtrace,
// by NumPy (bench/numpy-reference.py, in a python3 kept running beside) and by TensorFlow.js (wasm
// and cpu backends) on the same shapes in the same run.
// Environment: BENCH_REPS (default 5), BENCH_TFJS_REPS (default 3), BENCH_GRID_TFJS (backends
// for the grid, default "wasm"; "none" skips TF.js on the grid), BENCH_PYTHON (default python3).
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { train, type RunSpecInput, type TrainOptions } from "../src/index.ts";
import { trainTfjs, useBackend } from "./tfjs-reference.ts";

const reps = Number(process.env.BENCH_REPS ?? 5);
const tfjsReps = Number(process.env.BENCH_TFJS_REPS ?? 3);
const gridBackends = (process.env.BENCH_GRID_TFJS ?? "wasm").split(",").filter((b) => b === "wasm" || b === "cpu");

/** The canonical cell: two moons, 1024 training points; 2 → depth × 64 → 2; SGD 0.05, batch 32, 50 epochs. */
function cell(
  depth: number,
  activation = "relu",
  weightInit: unknown = "he_normal",
  every = 1,
  trainMetrics: "epoch_end" | "running" = "epoch_end",
  histogramScale: "symlog" | "linear" = "symlog",
): RunSpecInput {
  return {
    dataset: { name: "moons", samples: 1280, validationFraction: 0.2, noise: 0.2, seed: 0 },
    model: { hidden: Array(depth).fill(64), activation: activation as "relu", weightInit: weightInit as "he_normal" },
    training: { epochs: 50, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed: 1 },
    tracing: { every, trainMetrics, histogramScale },
  };
}

const grid: RunSpecInput[] = [];
for (const activation of ["logistic", "tanh", "relu", "leaky_relu"]) {
  for (const init of ["zeros", { name: "constant", value: 0.5 }, { name: "normal", std: 0.01 }, { name: "normal", std: 1 }, "xavier_normal", "he_normal"]) {
    for (const depth of [2, 4, 8]) grid.push(cell(depth, activation, init));
  }
}

function seconds(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function report(label: string, samples: number[]): number {
  const m = median(samples);
  console.log(`  ${label.padEnd(46)} median ${m.toFixed(3)} s  (${samples.map((s) => s.toFixed(3)).join(", ")})`);
  return m;
}

/** Training flops of the canonical cell, as the shared reference counts them: 6 × parameters × rows × epochs. */
function cellFlops(depth: number): number {
  const widths = [2, ...Array<number>(depth).fill(64), 2];
  let params = 0;
  for (let l = 1; l < widths.length; l++) params += widths[l - 1]! * widths[l]! + widths[l]!;
  return 6 * params * 1024 * 50;
}

/** A python3 with NumPy running numpy-reference.py, or why there is none. */
function startNumpy(): { time(depth: number, mode: "plain" | "eval"): Promise<number>; close(): void } | string {
  const python = process.env.BENCH_PYTHON ?? "python3";
  const probe = spawnSync(python, ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8" });
  if (probe.status !== 0) return `skipped: ${python} with NumPy is not available (${(probe.stderr || String(probe.error)).trim().split("\n").at(-1)})`;
  const script = fileURLToPath(new URL("./numpy-reference.py", import.meta.url));
  const child = spawn(python, [script], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MALLOC_TRIM_THRESHOLD_: "1073741824", MALLOC_MMAP_THRESHOLD_: "1073741824" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  console.log(`NumPy ${probe.stdout.trim()} (one OpenBLAS thread) answers beside, from bench/numpy-reference.py`);
  return {
    async time(depth, mode) {
      child.stdin.write(`${depth} ${mode}\n`);
      const line = await lines.next();
      if (line.done) throw new Error("numpy-reference.py ended early");
      return (JSON.parse(line.value) as { wall_s: number }).wall_s;
    },
    close: () => child.stdin.end(),
  };
}

function timed(label: string, times: number, fn: () => void): number {
  fn(); // warm-up: JIT and instantiation stay out of the figures
  return report(
    label,
    Array.from({ length: times }, () => seconds(fn)),
  );
}

type Sample = () => number | Promise<number>;
const sample =
  (fn: () => void): Sample =>
  () =>
    seconds(fn);

/**
 * Times two workloads in alternation, so that the machine's slow spells hit both alike; returns
 * both medians and the median of the per-pair ratios (first / second), the steadiest estimate of
 * their relation. A workload is a function returning its seconds.
 */
async function paired(labels: [string, string], times: number, fns: [Sample, Sample]): Promise<[number, number, number]> {
  await fns[0]();
  await fns[1]();
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < times; i++) for (const j of [0, 1] as const) samples[j].push(await fns[j]());
  const ratio = median(samples[0].map((s, i) => s / samples[1][i]!));
  return [report(labels[0], samples[0]), report(labels[1], samples[1]), ratio];
}

const gt =
  (spec: RunSpecInput, options: TrainOptions = {}) =>
  () =>
    void train(spec, options);

console.log(`gradtrace bench — node ${process.version}, one thread; medians of ${reps} (gradtrace) and ${tfjsReps} (TF.js) runs after a warm-up`);
const numpy = startNumpy();
if (typeof numpy === "string") console.log(`NumPy reference ${numpy}`);
console.log();
const gflops = (depth: number, s: number): string => `${(cellFlops(depth) / s / 1e9).toFixed(1)} GFLOP/s`;
for (const depth of [2, 8]) {
  console.log(`canonical cell, depth ${depth} (ReLU, He normal, SGD 0.05, batch 32, 50 epochs; ${(cellFlops(depth) / 1e9).toFixed(2)} GFLOP of training):`);
  const traced = sample(gt(cell(depth)));
  const running = sample(gt(cell(depth, "relu", "he_normal", 1, "running")));
  const untraced = sample(gt(cell(depth, "relu", "he_normal", 50)));
  if (typeof numpy !== "string") {
    const [g, n, r] = await paired(["gradtrace, traced every epoch, trainMetrics running", "NumPy, gradient norms every epoch"], 2 * reps, [
      running,
      () => numpy.time(depth, "plain"),
    ]);
    const [ge, ne, re] = await paired(
      ["gradtrace, traced every epoch (epoch_end, the default)", "NumPy, the same plus validation and epoch-end passes"],
      2 * reps,
      [traced, () => numpy.time(depth, "eval")],
    );
    console.log(
      `  => gradtrace is ${(1 / r).toFixed(2)}× NumPy traced with running metrics (${gflops(depth, g)} vs ${gflops(depth, n)}), ${(1 / re).toFixed(2)}× with the evaluation passes (${gflops(depth, ge)} vs ${gflops(depth, ne)}); medians of ${2 * reps} paired ratios`,
    );
  }
  const r: Record<string, number> = {};
  [r.wasm, r.untraced, r.ratio] = await paired(["gradtrace wasm, traced every epoch", "gradtrace wasm, traced at epochs 0 and 50 only"], 4 * reps, [
    traced,
    untraced,
  ]);
  [r.running, , r.runningRatio] = await paired(
    ["gradtrace wasm, every epoch, trainMetrics running", "gradtrace wasm, traced at epochs 0 and 50 only"],
    4 * reps,
    [running, untraced],
  );
  [, , r.symlogRatio] = await paired(["gradtrace wasm, every epoch, running, symlog bins", "gradtrace wasm, every epoch, running, linear bins"], 2 * reps, [
    running,
    sample(gt(cell(depth, "relu", "he_normal", 1, "running", "linear"))),
  ]);
  r.js = timed("gradtrace js reference kernels", 1, gt(cell(depth), { kernels: "js" }));
  await useBackend("wasm");
  r.tfjsWasm = timed("TF.js wasm backend", tfjsReps, () => void trainTfjs(cell(depth)));
  await useBackend("cpu");
  r.tfjsCpu = timed("TF.js cpu backend", tfjsReps, () => void trainTfjs(cell(depth)));
  console.log(
    `  => tracing overhead ${(100 * (r.runningRatio! - 1)).toFixed(1)}% with trainMetrics running, ${(100 * (r.ratio! - 1)).toFixed(1)}% with epoch_end (its whole-split pass included; medians of ${4 * reps} paired ratios), of which symlog histogram bins ${(100 * (r.symlogRatio! - 1)).toFixed(1)}% over linear ones; untraced ${gflops(depth, r.untraced!)}; gradtrace is ${(r.tfjsWasm / r.wasm!).toFixed(1)}× TF.js-wasm, ${(r.tfjsCpu / r.wasm!).toFixed(1)}× TF.js-cpu, ${(r.js / r.wasm!).toFixed(1)}× its js kernels\n`,
  );
}
if (typeof numpy !== "string") numpy.close();

console.log(`grid: 4 activations × 6 initializers × depths {2, 4, 8} = ${grid.length} cells in one process:`);
const gridWasm = seconds(() => grid.forEach((spec) => train(spec)));
console.log(`  gradtrace wasm                               ${gridWasm.toFixed(2)} s  (${((grid.length * 3600) / gridWasm).toFixed(0)} cells/hour)`);
for (const backend of gridBackends) {
  await useBackend(backend as "wasm" | "cpu");
  const t = seconds(() => grid.forEach((spec) => trainTfjs(spec)));
  console.log(`  TF.js ${backend.padEnd(38)} ${t.toFixed(2)} s  => gradtrace is ${(t / gridWasm).toFixed(1)}×`);
}
