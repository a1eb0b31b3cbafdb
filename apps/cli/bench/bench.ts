// npm run bench -w @gradtrace/cli: the queue and recorder against the bare core, 1 vs 2 workers,
// and enqueueing a 10,000-run sweep — real processes on the local Redis and Postgres.
// Environment: BENCH_REPS (default 3), TEST_DATABASE_URL, TEST_REDIS_URL.
import { randomBytes } from "node:crypto";
import { createSweep, getSweep } from "@gradtrace/db";
import { createTestDatabase } from "@gradtrace/db/test-database";
import { submitSweep, type Control } from "@gradtrace/control";
import { train } from "@gradtrace/core";
import { connectRedis, enqueueRuns, expandSweep, openQueues, parseSweepSpec, PAYLOAD_VERSION, type SweepSpecInput } from "@gradtrace/queue";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { startCli, sweepSettled, type CliProcess } from "../src/cluster.ts";

const reps = Number(process.env.BENCH_REPS ?? 3);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The core bench's 72-cell grid (4 activations × 6 initializers × depths 2, 4, 8 of width 64, 50 epochs) as a sweep. */
const GRID: SweepSpecInput = {
  name: "bench grid",
  axes: {
    activations: [{ name: "logistic" }, { name: "tanh" }, { name: "relu" }, { name: "leaky_relu" }],
    initializers: [{ name: "zeros" }, { name: "constant", value: 0.5 }, { name: "normal", std: 0.01 }, { name: "normal", std: 1 }, { name: "xavier_normal" }, { name: "he_normal" }],
    depths: [2, 4, 8],
    widths: [64],
    learningRates: [0.05],
    datasets: [{ name: "moons", samples: 1280, validationFraction: 0.2, noise: 0.2, seed: 0 }],
    seeds: [1],
  },
  fixed: { epochs: 50, batchSize: 32 },
};

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (values: number[], unit = "s") => `median ${median(values).toFixed(3)} ${unit}  (${values.map((v) => v.toFixed(3)).join(", ")})`;

const db = await createTestDatabase("bench");
const prefix = `gt-bench-${randomBytes(4).toString("hex")}`;
const redis = connectRedis(REDIS_URL, "worker", (e) => console.error(`redis: ${e.message}`));
const control: Control = { prisma: db.prisma, redis, prefix, queues: openQueues(redis, prefix, (e) => console.error(`queue: ${e.message}`)) };
const env = { REDIS_URL, GRADTRACE_QUEUE_PREFIX: prefix };
const processes: CliProcess[] = [];
const start = async (args: string[], extra: Record<string, string> = {}) => {
  const p = startCli(args, { ...env, ...extra });
  processes.push(p);
  await p.waitFor(/ready/);
  return p;
};

try {
  const specs = expandSweep(parseSweepSpec(GRID));
  console.log(`72-run grid, ${reps} rounds; each round: bare core in this process, then queue + 1 worker + recorder, then + 2 workers`);
  await start(["recorder"], { DATABASE_URL: db.schemaUrl });
  const worker = () => start(["worker", "--concurrency", "1"]);
  await worker();
  let second: CliProcess | undefined;
  const core: number[] = [];
  const one: number[] = [];
  const two: number[] = [];
  const oneTrained: number[] = [];
  const twoTrained: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    for (const s of specs) train(s);
    core.push((performance.now() - t) / 1000);
    for (const [label, times, trained] of [["one", one, oneTrained], ["two", two, twoTrained]] as const) {
      if (label === "two") second = await worker();
      t = performance.now();
      const { sweepId } = await submitSweep(control, { ...GRID, name: `bench ${label} ${r}` });
      // Poll twice a second: the benchmark must not take the CPU it measures.
      await sweepSettled(db.prisma, sweepId, 600_000, 500);
      times.push((performance.now() - t) / 1000);
      const jobs = await control.queues.runs.getJobs(["completed"]);
      const sweepJobs = jobs.filter((j) => (j.data as { sweepId: string }).sweepId === sweepId);
      trained.push((Math.max(...sweepJobs.map((j) => j.finishedOn!)) - Math.min(...sweepJobs.map((j) => j.processedOn!))) / 1000);
      if ((await getSweep(db.prisma, sweepId)).runs.completed !== 72) throw new Error("not every run completed");
      if (second) {
        second.child.kill("SIGTERM");
        await second.exited;
        second = undefined;
      }
      await control.queues.runs.clean(0, 1000, "completed");
    }
    console.log(`  round ${r + 1}: core ${core[r]!.toFixed(2)} s, 1 worker ${one[r]!.toFixed(2)} s, 2 workers ${two[r]!.toFixed(2)} s`);
  }
  const overhead = core.map((c, i) => one[i]! / c - 1);
  const scaling = one.map((o, i) => o / two[i]!);
  console.log(`  bare core, one process                       ${fmt(core)}`);
  console.log(`  queue + 1 worker + recorder, submit→recorded ${fmt(one)}   (first start→last end in the worker: ${fmt(oneTrained)})`);
  console.log(`  queue + 2 workers + recorder                 ${fmt(two)}   (${fmt(twoTrained)})`);
  console.log(`  => overhead ${(100 * median(overhead)).toFixed(1)}% (median of ${reps} paired ratios); 2 workers ${median(scaling).toFixed(2)}× the throughput of 1`);
  for (const p of processes.splice(0)) {
    p.child.kill("SIGTERM");
    await p.exited;
  }

  // The ceiling for 2 workers on this machine: the bare core on 1 and on 2 threads, no queue at all.
  const sink = { layers: async () => undefined, epoch: async () => undefined };
  const threads: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let r = 0; r < reps; r++) {
    for (const n of [1, 2] as const) {
      const pool = new ThreadPool(n);
      const t = performance.now();
      await Promise.all(specs.map((s) => pool.train(s, sink, new AbortController().signal)));
      threads[n].push((performance.now() - t) / 1000);
      await pool.close();
    }
  }
  console.log(`\nbare core in threads, no queue: 1 thread ${fmt(threads[1])}, 2 threads ${fmt(threads[2])}`);
  console.log(`  => 2 threads ${median(threads[1].map((t, i) => t / threads[2][i]!)).toFixed(2)}× the throughput of 1 (the ceiling for 2 workers here)`);

  console.log("\n10,000-run sweep (random sample of a 14,400-run grid), not trained:");
  const big: SweepSpecInput = { ...GRID, name: "bench enqueue", axes: { ...GRID.axes, seeds: Array.from({ length: 200 }, (_, i) => i) }, sampling: { mode: "random", count: 10_000 } };
  const phases = { expand: [] as number[], store: [] as number[], enqueue: [] as number[] };
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    const spec = parseSweepSpec(big);
    const runs = expandSweep(spec);
    phases.expand.push((performance.now() - t) / 1000);
    t = performance.now();
    const stored = await createSweep(db.prisma, { name: spec.name, spec, runs });
    phases.store.push((performance.now() - t) / 1000);
    t = performance.now();
    await enqueueRuns(control.queues.runs, stored.runs.map((run) => ({ v: PAYLOAD_VERSION, runId: run.id, sweepId: stored.sweepId, spec: run.spec, device: spec.device })));
    phases.enqueue.push((performance.now() - t) / 1000);
    if ((await control.queues.runs.getWaitingCount()) !== 10_000) throw new Error("not every run was enqueued");
    await control.queues.runs.drain();
  }
  console.log(`  validate + expand          ${fmt(phases.expand)}`);
  console.log(`  store in Postgres          ${fmt(phases.store)}`);
  console.log(`  enqueue (addBulk × 1000)   ${fmt(phases.enqueue)}`);
  const totals = phases.expand.map((e, i) => e + phases.store[i]! + phases.enqueue[i]!);
  console.log(`  => submit in all           ${fmt(totals)}`);
} finally {
  for (const p of processes) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited));
  await control.queues.runs.obliterate({ force: true }).catch(() => undefined);
  await control.queues.results.obliterate({ force: true }).catch(() => undefined);
  await control.queues.close();
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await db.drop();
}
