// npm run bench -w @gradtrace/core: the canonical cell and the 72-cell grid, trained by gradtrace
// and by TensorFlow.js (wasm and cpu backends) in the same process on the same data.
// Environment: BENCH_REPS (default 5), BENCH_TFJS_REPS (default 3), BENCH_GRID_TFJS (backends
// for the grid, default "wasm"; "none" skips TF.js on the grid).
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
): RunSpecInput {
  return {
    dataset: { name: "moons", samples: 1280, validationFraction: 0.2, noise: 0.2, seed: 0 },
    model: { hidden: Array(depth).fill(64), activation: activation as "relu", weightInit: weightInit as "he_normal" },
    training: { epochs: 50, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed: 1 },
    tracing: { every, trainMetrics },
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

function timed(label: string, times: number, fn: () => void): number {
  fn(); // warm-up: JIT and instantiation stay out of the figures
  return report(
    label,
    Array.from({ length: times }, () => seconds(fn)),
  );
}

/**
 * Times two workloads in alternation, so that the machine's slow spells hit both alike; returns
 * both medians and the median of the per-pair ratios, the steadiest estimate of their relation.
 */
function paired(labels: [string, string], times: number, fns: [() => void, () => void]): [number, number, number] {
  fns[0]();
  fns[1]();
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < times; i++) for (const j of [0, 1] as const) samples[j].push(seconds(fns[j]));
  const ratio = median(samples[0].map((s, i) => s / samples[1][i]!));
  return [report(labels[0], samples[0]), report(labels[1], samples[1]), ratio];
}

const gt =
  (spec: RunSpecInput, options: TrainOptions = {}) =>
  () =>
    void train(spec, options);

console.log(`gradtrace bench — node ${process.version}, one thread; medians of ${reps} (gradtrace) and ${tfjsReps} (TF.js) runs after a warm-up\n`);
const results: Record<string, Record<string, number>> = {};
for (const depth of [2, 8]) {
  console.log(`canonical cell, depth ${depth} (ReLU, He normal, SGD 0.05, batch 32, 50 epochs):`);
  const r: Record<string, number> = { wasm: NaN, untraced: NaN, ratio: NaN };
  [r.wasm, r.untraced, r.ratio] = paired(["gradtrace wasm, traced every epoch", "gradtrace wasm, traced at epochs 0 and 50 only"], 4 * reps, [
    gt(cell(depth)),
    gt(cell(depth, "relu", "he_normal", 50)),
  ]);
  [r.running, , r.runningRatio] = paired(["gradtrace wasm, every epoch, trainMetrics running", "gradtrace wasm, traced at epochs 0 and 50 only"], 2 * reps, [
    gt(cell(depth, "relu", "he_normal", 1, "running")),
    gt(cell(depth, "relu", "he_normal", 50)),
  ]);
  r.js = timed("gradtrace js reference kernels", 1, gt(cell(depth), { kernels: "js" }));
  await useBackend("wasm");
  r.tfjsWasm = timed("TF.js wasm backend", tfjsReps, () => void trainTfjs(cell(depth)));
  await useBackend("cpu");
  r.tfjsCpu = timed("TF.js cpu backend", tfjsReps, () => void trainTfjs(cell(depth)));
  console.log(
    `  => tracing overhead ${(100 * (r.ratio - 1)).toFixed(1)}% (median of ${4 * reps} paired ratios; with trainMetrics running ${(100 * (r.runningRatio! - 1)).toFixed(1)}%, of ${2 * reps}); gradtrace is ${(r.tfjsWasm / r.wasm).toFixed(1)}× TF.js-wasm, ${(r.tfjsCpu / r.wasm).toFixed(1)}× TF.js-cpu, ${(r.js / r.wasm).toFixed(1)}× its js kernels\n`,
  );
  results[depth] = r;
}

console.log(`grid: 4 activations × 6 initializers × depths {2, 4, 8} = ${grid.length} cells in one process:`);
const gridWasm = seconds(() => grid.forEach((spec) => train(spec)));
console.log(`  gradtrace wasm                               ${gridWasm.toFixed(2)} s  (${((grid.length * 3600) / gridWasm).toFixed(0)} cells/hour)`);
for (const backend of gridBackends) {
  await useBackend(backend as "wasm" | "cpu");
  const t = seconds(() => grid.forEach((spec) => trainTfjs(spec)));
  console.log(`  TF.js ${backend.padEnd(38)} ${t.toFixed(2)} s  => gradtrace is ${(t / gridWasm).toFixed(1)}×`);
}
