// npm run bench -w @gradtrace/cli, the search part: TPE against random search over the same
// 5-setting space with the same budget, through the queue, 2 worker processes and a recorder.
// Environment: BENCH_SEARCH_REPS (default 10), BENCH_SEARCH_TRIALS (default 60), TEST_DATABASE_URL, TEST_REDIS_URL.
import { submitSweep } from "@gradtrace/control";
import { sweepTrials } from "@gradtrace/db";
import { trialObjective, type SweepSpecInput } from "@gradtrace/queue";
import { sweepSettled } from "../src/cluster.ts";
import { median, withCluster } from "./harness.ts";

const reps = Number(process.env.BENCH_SEARCH_REPS ?? 10);
const trials = Number(process.env.BENCH_SEARCH_TRIALS ?? 60);

/** Two spirals through a small net: activation, initializer, depth, width and learning rate all matter. */
const search = (name: string, seed: number, startupTrials: number): SweepSpecInput => ({
  name,
  axes: {
    activations: [{ name: "tanh" }, { name: "relu" }, { name: "logistic" }, { name: "elu" }],
    initializers: [{ name: "xavier_normal" }, { name: "he_normal" }, { name: "normal", std: 0.01 }],
    datasets: [{ name: "spirals", samples: 600 }],
    seeds: [0],
  },
  fixed: { epochs: 40, batchSize: 32 },
  sampling: {
    mode: "tpe",
    trials,
    parallelism: 4,
    seed,
    startupTrials,
    objective: "valLoss",
    space: { learningRate: { low: 1e-3, high: 1, log: true }, depth: { low: 1, high: 6 }, width: { low: 8, high: 128, log: true } },
  },
});

await withCluster("bench-search", async ({ control, start }) => {
  console.log(`\nSearch: TPE (10 random startup trials) against random search (all ${trials} random) over activation × initializer × depth 1–6 ×`);
  console.log(`width 8–128 (log) × learning rate 1e-3–1 (log), two spirals, ${trials} trials, 4 in flight, ${reps} repetitions (seeds), 2 workers`);
  await start(["recorder"]);
  await start(["worker", "--concurrency", "1"]);
  await start(["worker", "--concurrency", "1"]);
  /** Each trial's objective in trial order (NaN for a diverged one). */
  const run = async (name: string, seed: number, startupTrials: number) => {
    const { sweepId } = await submitSweep(control, search(name, seed, startupTrials));
    await sweepSettled(control.prisma, sweepId, 1_800_000, 500);
    return (await sweepTrials(control.prisma, sweepId)).map((t) => trialObjective("valLoss", t));
  };
  const bestSoFar = (values: number[]) => values.map((_, i) => Math.min(...values.slice(0, i + 1).filter(Number.isFinite)));
  const tpe: number[][] = [];
  const random: number[][] = [];
  for (let r = 0; r < reps; r++) {
    tpe.push(bestSoFar(await run(`bench tpe ${r}`, r, 10)));
    random.push(bestSoFar(await run(`bench random ${r}`, r, trials)));
    console.log(`  repetition ${r + 1}: best val. loss TPE ${tpe[r]!.at(-1)!.toFixed(4)}, random ${random[r]!.at(-1)!.toFixed(4)}`);
  }
  // The target: random search's median best; how many trials each needs to get there (budget + 1 when it never does).
  const target = median(random.map((b) => b.at(-1)!));
  const needed = (curves: number[][]) => curves.map((b) => b.findIndex((v) => v <= target) + 1 || trials + 1);
  const show = (xs: number[]) => xs.map((x) => (x > trials ? "–" : String(x))).join(", ");
  console.log(`  median best val. loss after ${trials} trials: TPE ${median(tpe.map((b) => b.at(-1)!)).toFixed(4)}, random ${target.toFixed(4)}`);
  console.log(
    `  after ${trials / 2} trials: TPE ${median(tpe.map((b) => b[trials / 2 - 1]!)).toFixed(4)}, random ${median(random.map((b) => b[trials / 2 - 1]!)).toFixed(4)}`,
  );
  console.log(
    `  trials to reach ${target.toFixed(4)} (random's median best): TPE median ${median(needed(tpe))} (${show(needed(tpe))}), random median ${median(needed(random))} (${show(needed(random))})`,
  );
});
