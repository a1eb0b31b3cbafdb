// npm run bench -w @gradtrace/cli: the queue and recorder against the bare core, 1 vs 2 workers,
// and enqueueing a 10,000-run sweep — real processes on the local Redis and Postgres.
// Environment: BENCH_REPS (default 3), TEST_DATABASE_URL, TEST_REDIS_URL.
import { createSweep, getSweep } from "@gradtrace/db";
import { submitSweep } from "@gradtrace/control";
import { enqueueRuns, expandSweep, parseSweepSpec, PAYLOAD_VERSION, type SweepSpecInput } from "@gradtrace/queue";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { sweepSettled } from "../src/cluster.ts";
import { fmt, GRID, median, reps, withCluster } from "./harness.ts";

await withCluster("bench", async ({ control, start }) => {
  const specs = expandSweep(parseSweepSpec(GRID));
  console.log(`72-run grid, ${reps} rounds, each in alternation: the bare core in 1 and in 2 worker threads of this process (no queue),`);
  console.log("then the same runs through the queue with 1 and with 2 worker processes (concurrency 1) and a recorder, submit → all recorded");
  await start(["recorder"]);
  const worker = () => start(["worker", "--concurrency", "1"]);
  const first = await worker();
  const sink = { layers: async () => undefined, epoch: async () => undefined };
  const bare = async (threads: number) => {
    const pool = new ThreadPool(threads);
    const t = performance.now();
    await Promise.all(specs.map((s) => pool.train(s, sink, new AbortController().signal)));
    await pool.close();
    return (performance.now() - t) / 1000;
  };
  const queued = async (label: string) => {
    const t = Date.now();
    const { sweepId } = await submitSweep(control, { ...GRID, name: label });
    // Poll twice a second (the benchmark must not take the CPU it measures); the end is when the
    // database recorded the last run, not when the poll noticed.
    await sweepSettled(control.prisma, sweepId, 600_000, 500);
    const last = await control.prisma.run.aggregate({ where: { sweepId }, _max: { finishedAt: true } });
    const seconds = (last._max.finishedAt!.getTime() - t) / 1000;
    if ((await getSweep(control.prisma, sweepId)).runs.completed !== 72) throw new Error("not every run completed");
    await control.queues.runs.any.clean(0, 1000, "completed");
    return seconds;
  };
  const t1: number[] = [];
  const t2: number[] = [];
  const q1: number[] = [];
  const q2: number[] = [];
  for (let r = 0; r < reps; r++) {
    t1.push(await bare(1));
    q1.push(await queued(`bench 1 worker ${r}`));
    t2.push(await bare(2));
    const second = await worker();
    q2.push(await queued(`bench 2 workers ${r}`));
    second.child.kill("SIGTERM");
    await second.exited;
    console.log(
      `  round ${r + 1}: bare 1 thread ${t1[r]!.toFixed(2)} s, queue 1 worker ${q1[r]!.toFixed(2)} s, bare 2 threads ${t2[r]!.toFixed(2)} s, queue 2 workers ${q2[r]!.toFixed(2)} s`,
    );
  }
  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
  console.log(`  bare core, 1 thread            ${fmt(t1)}`);
  console.log(`  queue + 1 worker + recorder    ${fmt(q1)}`);
  console.log(`  bare core, 2 threads           ${fmt(t2)}`);
  console.log(`  queue + 2 workers + recorder   ${fmt(q2)}`);
  console.log(`  => queue and recorder overhead ${(100 * (ratio(q1, t1) - 1)).toFixed(1)}% (median of ${reps} paired ratios)`);
  console.log(
    `  => 2 workers ${ratio(q1, q2).toFixed(2)}× the throughput of 1; the bare core on 2 threads ${ratio(t1, t2).toFixed(2)}× that of 1 thread (the machine's ceiling)`,
  );
  first.child.kill("SIGTERM");
  await first.exited;

  console.log("\n10,000-run sweep (random sample of a 14,400-run grid), not trained:");
  const big: SweepSpecInput = {
    ...GRID,
    name: "bench enqueue",
    axes: { ...GRID.axes, seeds: Array.from({ length: 200 }, (_, i) => i) },
    sampling: { mode: "random", count: 10_000 },
  };
  const phases = { expand: [] as number[], store: [] as number[], enqueue: [] as number[] };
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    const spec = parseSweepSpec(big);
    const runs = expandSweep(spec);
    phases.expand.push((performance.now() - t) / 1000);
    t = performance.now();
    const stored = await createSweep(control.prisma, { name: spec.name, spec, runs });
    phases.store.push((performance.now() - t) / 1000);
    t = performance.now();
    await enqueueRuns(
      control.queues.runs.any,
      stored.runs.map((run) => ({ v: PAYLOAD_VERSION, runId: run.id, sweepId: stored.sweepId, spec: run.spec, device: spec.device })),
    );
    phases.enqueue.push((performance.now() - t) / 1000);
    if ((await control.queues.runs.any.getWaitingCount()) !== 10_000) throw new Error("not every run was enqueued");
    await control.queues.runs.any.drain();
  }
  console.log(`  validate + expand          ${fmt(phases.expand)}`);
  console.log(`  store in Postgres          ${fmt(phases.store)}`);
  console.log(`  enqueue (addBulk × 1000)   ${fmt(phases.enqueue)}`);
  const totals = phases.expand.map((e, i) => e + phases.store[i]! + phases.enqueue[i]!);
  console.log(`  => submit in all           ${fmt(totals)}`);
});
