// npm run bench -w @gradtrace/control: the results path from the wire into Postgres, as a recorder
// takes it for each epochs message (JSON.parse of the job's data, the contract's validation, the
// store), for JSON records (what workers sent before packed epochs; still read) and for packed
// epochs (what they send now), in alternating rounds against the real Postgres (TEST_DATABASE_URL
// or the local `test` database, a schema of its own). BENCH_RUNS (default 800) runs of the
// canonical depth-8 shape × 100 traced epochs, 25 epochs per message; BENCH_BATCH messages per
// batch (default 25: a round of 100 runs sends 100 messages at a time, one per run), BENCH_WRITERS
// batches at once (default 4).
import { Random, toWire, type EpochRecord } from "@gradtrace/core";
import { appendEpochChunks, createSweep, startRuns } from "@gradtrace/db";
import { CANONICAL_LAYERS, syntheticEpoch, syntheticSpecs } from "@gradtrace/db/synthetic-traces";
import { createTestDatabase } from "@gradtrace/db/test-database";
import { packedEpochsText, parseResultMessage, PAYLOAD_VERSION } from "@gradtrace/queue";

const RUNS = Number(process.env.BENCH_RUNS ?? 800);
const BATCH = Number(process.env.BENCH_BATCH ?? 25);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 4);
const EPOCHS = 99;
const CHUNK = 25;
const ROUND = 100;
const FORMATS = ["json", "packed"] as const;
type Format = (typeof FORMATS)[number];

/** The job data of one epochs message as BullMQ stores it: JSON text. */
function wire(format: Format, runId: string, attempt: number, records: EpochRecord[]): string {
  const body = format === "json" ? records : packedEpochsText(records);
  return JSON.stringify(toWire({ v: PAYLOAD_VERSION, type: "epochs", runId, attempt, records: body }));
}

const db = await createTestDatabase("results-bench");
try {
  console.log(
    `results path bench — ${RUNS} runs × ${EPOCHS + 1} traced epochs × ${CANONICAL_LAYERS.length} layers (canonical depth 8), ${CHUNK} epochs per message, ${BATCH} messages per batch, ${WRITERS} batches at once; formats alternate by rounds of ${ROUND} runs`,
  );
  const { runIds } = await createSweep(db.prisma, { name: "bench", spec: {}, runs: syntheticSpecs(RUNS, EPOCHS) });
  const attempts: number[] = [];
  for (let i = 0; i < runIds.length; i += 100) {
    const started = await startRuns(
      db.prisma,
      runIds.slice(i, i + 100).map((id) => ({ id, workerId: "bench", device: "cpu", layers: CANONICAL_LAYERS })),
    );
    attempts.push(...(started as number[]));
  }
  const rng = new Random(11, "results-bench");
  const totals = Object.fromEntries(FORMATS.map((f) => [f, { ms: 0, cpuMs: 0, epochs: 0, bytes: 0 }])) as Record<
    Format,
    { ms: number; cpuMs: number; epochs: number; bytes: number }
  >;
  for (let from = 0, round = 0; from < RUNS; from += ROUND, round++) {
    const format = FORMATS[round % 2]!;
    const runs = runIds
      .slice(from, from + ROUND)
      .map((id, k) => ({ id, attempt: attempts[from + k]!, records: Array.from({ length: EPOCHS + 1 }, (_, e) => syntheticEpoch(rng, e)) }));
    // A run's chunks must arrive in order: all first chunks of the round, then all second ones, …
    const waves = Array.from({ length: Math.ceil((EPOCHS + 1) / CHUNK) }, (_, c) =>
      runs.map((r) => wire(format, r.id, r.attempt, r.records.slice(c * CHUNK, (c + 1) * CHUNK))),
    );
    const t = totals[format];
    t.bytes += waves.flat().reduce((s, m) => s + Buffer.byteLength(m), 0);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const wave of waves) {
      let next = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          for (let at = next++ * BATCH; at < wave.length; at = next++ * BATCH) {
            const chunks = wave.slice(at, at + BATCH).map((text) => {
              const message = parseResultMessage(JSON.parse(text));
              if (message.type !== "epochs") throw new Error("not an epochs message");
              return { runId: message.runId, attempt: message.attempt, records: message.records };
            });
            const refused = (await appendEpochChunks(db.prisma, chunks)).find((r) => r.error);
            if (refused) throw refused.error;
          }
        }),
      );
    }
    t.ms += performance.now() - start;
    const used = process.cpuUsage(cpu);
    t.cpuMs += (used.user + used.system) / 1000;
    t.epochs += runs.length * (EPOCHS + 1);
  }
  const rate = (f: Format) => totals[f].epochs / (totals[f].ms / 1000);
  for (const f of FORMATS) {
    const t = totals[f];
    console.log(
      `  ${f.padEnd(6)} ${Math.round(t.bytes / t.epochs)} B per epoch on the wire; ${Math.round(rate(f))} epochs/s parsed, checked and stored; this process's CPU ${Math.round((100 * t.cpuMs) / t.ms)}% of the wall time (${((1000 * t.cpuMs) / t.epochs).toFixed(1)} µs per epoch)`,
    );
  }
  const [{ bytes }] = await db.prisma.$queryRaw<[{ bytes: bigint }]>`SELECT pg_total_relation_size('"TraceEpoch"') AS bytes`;
  const stored = totals.json.epochs + totals.packed.epochs;
  console.log(
    `  => packed is ${(totals.json.bytes / totals.json.epochs / (totals.packed.bytes / totals.packed.epochs)).toFixed(1)}× smaller on the wire and ${(rate("packed") / rate("json")).toFixed(2)}× the epochs/s; on disk ${Math.round(Number(bytes) / stored)} B per epoch (TraceEpoch with its index, both formats alike)`,
  );
} finally {
  await db.drop();
}
