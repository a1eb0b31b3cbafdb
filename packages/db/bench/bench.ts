// npm run bench -w @gradtrace/db: ingest and read figures of the trace store against the real
// Postgres (TEST_DATABASE_URL or the local `test` database), in a schema of its own.
// BENCH_RUNS (default 1000) runs × 100 traced epochs of the canonical depth-8 shape (8 hidden
// layers of 64 and the output: 9 layers), 30-bin histograms, packed as workers send them;
// BENCH_BATCH runs per statement (25), BENCH_WRITERS writers (4), BENCH_ROUNDS rounds (3) of
// ingest alternating the synthetic histograms' two shapes, each into a schema of its own.
import { DIAGNOSIS_KINDS, packEpoch, Random, type EpochRecord, type TraceSummary } from "@gradtrace/core";
import { appendEpochChunks, createSweep, finishRuns, getRun, runSeries, startRuns, sweepGrid } from "../src/index.ts";
import { CANONICAL_LAYERS, syntheticEpoch, syntheticSpecs, type SyntheticHistograms } from "../src/synthetic-traces.ts";
import { createTestDatabase, type TestDatabase } from "../src/test-database.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const EPOCHS = 99; // traced epochs 0…99: 100 of them
const CHUNK = 25; // epochs per message, as a worker sends them
const BATCH = Number(process.env.BENCH_BATCH ?? 25); // runs whose messages (start, epochs, end) a recorder writes in one statement each
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4); // recorders writing side by side
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHAPES: readonly SyntheticHistograms[] = ["shaped", "uniform"];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const specs = syntheticSpecs(RUNS, EPOCHS);
const layers = CANONICAL_LAYERS;
const rows = RUNS * (EPOCHS + 1);

interface Ingested {
  db: TestDatabase;
  sweepId: string;
  runIds: string[];
  rowsPerSecond: number;
}

/** Ingests RUNS synthetic runs with histograms of `shape` into a new schema as WRITERS recorders would; prints and returns its figures. */
async function ingest(shape: SyntheticHistograms, label = ""): Promise<Ingested> {
  const db = await createTestDatabase("bench");
  const { sweepId, runIds } = await createSweep(db.prisma, { name: "bench", spec: {}, runs: specs });
  const rng = new Random(7, "bench");
  const lasts: EpochRecord[] = [];
  const packed = runIds.map(() =>
    Array.from({ length: EPOCHS + 1 }, (_, e) => {
      const record = syntheticEpoch(rng, e, shape);
      if (e === EPOCHS) lasts.push(record);
      return packEpoch(record);
    }),
  );
  // The records' garbage is collected now, not in the timed ingest (the bench runs with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
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
            const last = lasts[run.i]!;
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
  const wire = packed.flat().reduce((sum, e) => sum + e.layerMetrics.byteLength + e.histograms.byteLength, 0) / rows;
  const share = (ms: number) => `${Math.round((100 * ms) / (phase.start + phase.append + phase.finish))}%`;
  const rowsPerSecond = rows / (ingestMs / 1000);
  console.log(
    `${label}${shape.padEnd(7)} histograms: ingest ${(ingestMs / 1000).toFixed(2)} s (${Math.round(rowsPerSecond)} epoch rows/s); packed layers ${Math.round(wire)} B per epoch; on disk TraceEpoch ${(Number(traceBytes) / 2 ** 20).toFixed(1)} MiB (${Math.round(Number(traceBytes) / rows)} B per epoch), Run ${(Number(runBytes) / 2 ** 20).toFixed(1)} MiB; writers' time: start ${share(phase.start)}, append ${share(phase.append)}, finish ${share(phase.finish)}; this process's CPU ${Math.round((100 * nodeCpuMs) / ingestMs)}% of the wall time`,
  );
  return { db, sweepId, runIds, rowsPerSecond };
}

console.log(
  `trace store bench — ${RUNS} runs × ${EPOCHS + 1} epochs × ${layers.length} layers, 30-bin histograms; ${WRITERS} writers, ${BATCH} runs × ${CHUNK} epochs per statement; ${ROUNDS} rounds alternating histograms shaped like real ones and uniform ones`,
);
const figures = new Map<SyntheticHistograms, number[]>(SHAPES.map((shape) => [shape, []]));
// A first ingest opens the connections and compiles the code paths; it is not counted.
let last = await ingest("shaped", "warm-up, not counted: ");
for (let round = 0; round < ROUNDS; round++) {
  for (const shape of SHAPES) {
    await last.db.drop();
    last = await ingest(shape);
    figures.get(shape)!.push(last.rowsPerSecond);
  }
}
for (const [shape, values] of figures) {
  console.log(`ingest, ${shape} histograms: median ${Math.round(median(values))} epoch rows/s (${values.map(Math.round).join(", ")})`);
}
const { db, sweepId, runIds } = last;
try {
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
    `read (median of ${reps}, the ${SHAPES.at(-1)} histograms' store): full trace of one run ${median(full).toFixed(1)} ms; sweep grid over ${RUNS} runs ${median(grid).toFixed(1)} ms; 20 runs' loss curves in 200 buckets ${median(curves).toFixed(1)} ms`,
  );
} finally {
  await db.drop();
}
