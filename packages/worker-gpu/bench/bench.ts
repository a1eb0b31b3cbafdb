// npm run bench -w @gradtrace/worker-gpu: runs per second of packs of the canonical cell on the
// WebGPU adapter (lavapipe here, the real GPU on a machine with one) against the core on one CPU
// core and against the CPU worker's thread pool on every core, in the same process. Environment: BENCH_PACKS (pack sizes, default 1,16,64,256),
// BENCH_EPOCHS (default 50, the cell's, on a GPU; 5 on a fallback adapter such as lavapipe, where 50 would take hours),
// BENCH_DEPTH (default 8), BENCH_CPU_REPS (default 5).
import { availableParallelism } from "node:os";
import { parseRunSpec, train, type RunSpec } from "@gradtrace/core";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { openGpu, PackKernels, trainPack, type Gpu } from "../src/index.ts";

const packs = (process.env.BENCH_PACKS ?? "1,16,64,256").split(",").map(Number);
const depth = Number(process.env.BENCH_DEPTH ?? 8);
const cpuReps = Number(process.env.BENCH_CPU_REPS ?? 5);

/** The canonical cell (two moons, 1024 training points, 2 → depth × 64 → 2, ReLU/He, SGD 0.05, batch 32, traced every epoch), seeded per net. */
const cell = (seed: number, width = 64): RunSpec =>
  parseRunSpec({
    dataset: { name: "moons", samples: 1280, validationFraction: 0.2, noise: 0.2, seed: 0 },
    model: { hidden: Array(depth).fill(width), activation: "relu", weightInit: "he_normal" },
    training: { epochs, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed },
    tracing: { every: 1 },
  });

const seconds = async (fn: () => unknown) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};
/** The median of `reps` timings of fn, in seconds. */
const medianSeconds = async (reps: number, fn: () => unknown) => {
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) samples.push(await seconds(fn));
  return samples.sort((a, b) => a - b)[reps >> 1]!;
};

const pack = (gpu: Gpu, kernels: PackKernels, n: number, width?: number) =>
  trainPack(
    gpu,
    kernels,
    Array.from({ length: n }, (_, i) => ({
      spec: cell(i + 1, width),
      signal: new AbortController().signal,
      sink: { layers: async () => {}, epoch: async () => {} },
    })),
  ).then((outcomes) =>
    outcomes.forEach((o) => {
      if (o instanceof Error) throw o;
    }),
  );

// The adapter is opened first to know what it is (an open, idle lavapipe device left the core's
// time as it was); the CPU baselines run before any GPU work, which on lavapipe takes the cores.
const gpu = await openGpu();
const epochs = Number(process.env.BENCH_EPOCHS ?? (gpu.fallback ? 5 : 50));
console.log(`adapter: ${gpu.name}`);
console.log(
  `cell: 2 → ${depth}×64 → 2, ${epochs} epochs, traced every epoch${gpu.fallback && !process.env.BENCH_EPOCHS ? " (5 on a fallback adapter; BENCH_EPOCHS=50 for the cell's)" : ""}`,
);
// Warm-ups: the first runs of a process are JIT-slow (about twice the settled time here).
for (let i = 0; i < 3; i++) train(cell(1));
const cpu = await medianSeconds(cpuReps, () => train(cell(1)));
console.log(`  core, one CPU core (wasm SIMD)   ${cpu.toFixed(3)} s per run   ${(1 / cpu).toFixed(2)} runs/s`);
// The CPU worker as `gradtrace worker` runs it: one thread per core, twice as many runs as threads.
const threads = availableParallelism();
const poolRuns = 2 * threads;
const threadPool = new ThreadPool(threads);
const poolBatch = () =>
  Promise.all(
    Array.from({ length: poolRuns }, (_, i) => threadPool.train(cell(i + 1), { layers: async () => {}, epoch: async () => {} }, new AbortController().signal)),
  );
for (let i = 0; i < 2; i++) await poolBatch(); // warm-ups: threads, their wasm instances, their JIT
const pool = await medianSeconds(cpuReps, poolBatch);
await threadPool.close();
console.log(`  CPU worker, ${threads} threads            ${pool.toFixed(3)} s per ${poolRuns} runs   ${(poolRuns / pool).toFixed(2)} runs/s`);
const kernels = await PackKernels.create(gpu.device);
await pack(gpu, kernels, 1); // warm-up: pipelines and the driver's caches
// The floor every pack pays whatever its size: one net of 1-unit layers does next to no arithmetic,
// so its time is the host's and the driver's per submit (a minibatch's ~4 dispatches per layer).
const submits = (epochs + 1) * (Math.ceil(1024 / 32) + Math.ceil(256 / 32));
const floor = await medianSeconds(3, () => pack(gpu, kernels, 1, 1));
console.log(`  fixed cost of a pack (1 net, ${depth}×1 units)  ${floor.toFixed(3)} s   ${((1000 * floor) / submits).toFixed(3)} ms per submit (${submits})`);
const rows: Array<{ pack: number; seconds: number; runsPerSecond: number; vsOneCore: number }> = [];
for (const n of packs) {
  let s: number;
  try {
    s = await seconds(() => pack(gpu, kernels, n));
  } catch (error) {
    console.log(`  pack of ${String(n).padStart(4)}                     ${(error as Error).message}`);
    continue;
  }
  const row = { pack: n, seconds: s, runsPerSecond: n / s, vsOneCore: n / s / (1 / cpu), vsCpuWorker: n / s / (poolRuns / pool) };
  rows.push(row);
  console.log(
    `  pack of ${String(n).padStart(4)}                     ${s.toFixed(3)} s   ${row.runsPerSecond.toFixed(2)} runs/s   ${row.vsOneCore.toFixed(2)}× one core, ${row.vsCpuWorker.toFixed(2)}× the CPU worker`,
  );
}
console.log(
  JSON.stringify({
    adapter: gpu.name,
    depth,
    epochs,
    cpuSecondsPerRun: cpu,
    packFloorSeconds: floor,
    cpuWorker: { threads, runsPerSecond: poolRuns / pool },
    packs: rows,
  }),
);
gpu.device.destroy();
process.exit(0);
