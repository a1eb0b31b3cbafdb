// npm run bench -w @gradtrace/db: ingest and read figures of the trace store against the real
// Postgres (TEST_DATABASE_URL or the local `test` database), in a schema of its own.
// BENCH_RUNS (default 1000) runs × 100 traced epochs of the canonical depth-8 shape (8 hidden
// layers of 64 and the output: 9 layers), 30-bin histograms, packed as workers send them;
// BENCH_BATCH runs per statement (25), BENCH_WRITERS writers (4).
import { DIAGNOSIS_KINDS, packEpoch, Random, type TraceSummary } from "@gradtrace/core";
import { appendEpochChunks, createSweep, finishRuns, getRun, runSeries, startRuns, sweepGrid } from "../src/index.ts";
import { CANONICAL_LAYERS, syntheticEpoch, syntheticSpecs } from "../src/synthetic-traces.ts";
import { createTestDatabase } from "../src/test-database.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const EPOCHS = 99; // traced epochs 0…99: 100 of them
const CHUNK = 25; // epochs per message, as a worker sends them
const BATCH = Number(process.env.BENCH_BATCH ?? 25); // runs whose messages (start, epochs, end) a recorder writes in one statement each
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4); // recorders writing side by side

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const specs = syntheticSpecs(RUNS, EPOCHS);
const layers = CANONICAL_LAYERS;

const db = await createTestDatabase("bench");
try {
  console.log(
    `trace store bench — ${RUNS} runs × ${EPOCHS + 1} epochs × ${layers.length} layers, 30-bin histograms; ${WRITERS} writers, ${BATCH} runs × ${CHUNK} epochs per statement`,
  );
  const { sweepId, runIds } = await createSweep(db.prisma, { name: "bench", spec: {}, runs: specs });
  const rng = new Random(7, "bench");
  const traces = runIds.map(() => Array.from({ length: EPOCHS + 1 }, (_, e) => syntheticEpoch(rng, e)));
  const packed = traces.map((trace) => trace.map(packEpoch));
  const phase = { start: 0, append: 0, finish: 0 };
  const cpuBefore = process.cpuUsage();
  const ingestMs = await timeMs(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let from = next++ * BATCH; from < runIds.length; from = next++ * BATCH) {
          const batch = runIds.slice(from, from + BATCH).map((id, k) => ({ id, i: from + k, attempt: 0 }));
          let t = performance.now();
          const attempts = await startRuns(
            db.prisma,
            batch.map((run) => ({ id: run.id, workerId: "bench", device: "cpu", layers })),
          );
          batch.forEach((run, k) => (run.attempt = attempts[k] as number));
          phase.start += performance.now() - t;
          t = performance.now();
          for (let e = 0; e <= EPOCHS; e += CHUNK) {
            const results = await appendEpochChunks(
              db.prisma,
              batch.map((run) => ({ runId: run.id, attempt: run.attempt, records: packed[run.i]!.slice(e, e + CHUNK) })),
            );
            const failed = results.find((r) => r.error);
            if (failed) throw failed.error;
          }
          phase.append += performance.now() - t;
          t = performance.now();
          const ends = batch.map((run) => {
            const last = traces[run.i]!.at(-1)!;
            const summary: TraceSummary = {
              status: "completed",
              epochsRun: EPOCHS,
              divergedAt: null,
              final: { trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, valLoss: last.valLoss, valAccuracy: last.valAccuracy },
              diagnoses: run.i % 3 === 0 ? [{ kind: DIAGNOSIS_KINDS[run.i % DIAGNOSIS_KINDS.length]!, epoch: 0, evidence: "bench", layers: [] }] : [],
            };
            return { id: run.id, attempt: run.attempt, summary, last };
          });
          const refused = (await finishRuns(db.prisma, ends)).find((e) => e);
          if (refused) throw refused;
          phase.finish += performance.now() - t;
        }
      }),
    );
  });
  const cpu = process.cpuUsage(cpuBefore);
  const nodeCpuMs = (cpu.user + cpu.system) / 1000;
  const [{ traces: traceBytes, runs: runBytes }] = await db.prisma.$queryRaw<[{ traces: bigint; runs: bigint }]>`
    SELECT pg_total_relation_size('"TraceEpoch"') AS traces, pg_total_relation_size('"Run"') AS runs`;
  const rows = RUNS * (EPOCHS + 1);
  const share = (ms: number) => `${Math.round((100 * ms) / (phase.start + phase.append + phase.finish))}%`;
  console.log(
    `ingest: ${(ingestMs / 1000).toFixed(2)} s (${Math.round(rows / (ingestMs / 1000))} epoch rows/s); writers' time: start ${share(phase.start)}, append ${share(phase.append)}, finish ${share(phase.finish)}; this process's CPU ${Math.round((100 * nodeCpuMs) / ingestMs)}% of the wall time (the rest of a core goes to Postgres)`,
  );
  console.log(
    `on disk: TraceEpoch ${(Number(traceBytes) / 2 ** 20).toFixed(1)} MiB (${Math.round(Number(traceBytes) / RUNS)} B per run, ${Math.round(Number(traceBytes) / rows)} B per epoch), Run ${(Number(runBytes) / 2 ** 20).toFixed(1)} MiB`,
  );
  await db.prisma.$executeRaw`ANALYZE`;
  const reps = 21;
  const ids = Array.from({ length: reps }, (_, i) => runIds[(i * 37) % runIds.length]!);
  const full: number[] = [];
  for (const id of ids) full.push(await timeMs(() => getRun(db.prisma, id)));
  const grid: number[] = [];
  for (let i = 0; i < reps; i++) grid.push(await timeMs(() => sweepGrid(db.prisma, sweepId)));
  const curves: number[] = [];
  for (let i = 0; i < reps; i++) curves.push(await timeMs(() => runSeries(db.prisma, runIds.slice(i * 20, i * 20 + 20), "valLoss", 200)));
  console.log(
    `read (median of ${reps}): full trace of one run ${median(full).toFixed(1)} ms; sweep grid over ${RUNS} runs ${median(grid).toFixed(1)} ms; 20 runs' loss curves in 200 buckets ${median(curves).toFixed(1)} ms`,
  );
} finally {
  await db.drop();
}
