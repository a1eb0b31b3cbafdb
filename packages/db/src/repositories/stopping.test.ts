import { ashaVerdict, packEpoch, StoppingSpecSchema, train, type EpochRecord, type RunSpecInput, type StoppingSpec } from "@gradtrace/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing.ts";
import { sweepGrid } from "./grid.ts";
import { finishRun, startRun } from "./runs.ts";
import { decideStops } from "./stopping.ts";
import { createSweep, getSweep, refreshSweepStatus } from "./sweeps.ts";
import { appendEpochChunks, getRunRow } from "./traces.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("stopping");
});
afterAll(async () => {
  await db.drop();
});

const EPOCHS = 12;
const spec = (seed: number, over: Partial<RunSpecInput["model"]> = {}): RunSpecInput => ({
  dataset: { name: "moons", samples: 200 },
  model: { hidden: [8, 8], activation: "tanh", weightInit: "xavier_normal", ...over },
  training: { epochs: EPOCHS, seed, optimizer: { name: "sgd", lr: 0.05 } },
});
const base = train(spec(1));

/** A sweep of `n` runs with a stopping spec, all started; their epochs are the base trace's with the validation loss `loss(run, epoch)`. */
async function sweepOf(n: number, stopping: StoppingSpec, runs = Array.from({ length: n }, (_, i) => spec(i + 1))) {
  const { sweepId, runIds } = await createSweep(db.prisma, { name: "stopping", spec: { stopping }, runs });
  for (const id of runIds) await startRun(db.prisma, id, { workerId: "w", device: "cpu", layers: base.layers, attempt: 1 });
  return { sweepId, runIds };
}
const records = (loss: (epoch: number) => number, from = 0, to = EPOCHS): EpochRecord[] =>
  base.epochs.slice(from, to + 1).map((e) => ({ ...e, valLoss: loss(e.epoch) }));

/** Stores a chunk as the recorder does, then applies the rules to it. */
async function deliver(runId: string, chunk: EpochRecord[], attempt = 1) {
  const records = chunk.map(packEpoch);
  const appended = await appendEpochChunks(db.prisma, [{ runId, attempt, records }]);
  expect(appended[0]!.error).toBeUndefined();
  return decideStops(db.prisma, [{ runId, attempt, records }]);
}

const asha = StoppingSpecSchema.parse({ rule: "asha", minEpochs: 2, reductionFactor: 3, diagnoses: false });

describe("ASHA through the database", () => {
  it("prunes a run worse than the best third before it at a rung, keeps its trace, and decides once", async () => {
    const { sweepId, runIds } = await sweepOf(3, asha);
    const [good, fair, bad] = runIds as [string, string, string];
    // Rungs at epochs 2 and 6. The first run at a rung continues; the second must beat the first's cutoff.
    expect(
      await deliver(
        good,
        records(() => 0.3, 0, 3),
      ),
    ).toEqual([]);
    expect(
      await deliver(
        fair,
        records(() => 0.3, 0, 3),
      ),
    ).toEqual([]);
    const stops = await deliver(
      bad,
      records(() => 0.9, 0, 3),
    );
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ runId: bad, sweepId, reason: { rule: "asha", epoch: 2 } });
    expect(stops[0]!.reason.evidence).toMatch(
      /valLoss 0\.900 at epoch 2 is worse than 0\.300, the cutoff of the best 1\/3 of the 2 run\(s\) that reached ASHA rung 0/,
    );
    const row = await getRunRow(db.prisma, bad);
    expect(row).toMatchObject({ status: "pruned", valLoss: 0.9, stopReason: { rule: "asha", epoch: 2 } });

    // Its worker had trained on: those epochs are kept, and it is told again to stop; no new check is made.
    const late = await deliver(
      bad,
      records(() => 0.9, 4, 5),
    );
    expect(late.map((s) => s.runId)).toEqual([bad]);
    expect(await db.prisma.stopCheck.count({ where: { runId: bad } })).toBe(1);
    expect(await db.prisma.traceEpoch.count({ where: { runId: bad } })).toBe(6);
    // Its end records where it stopped; it stays pruned.
    await finishRun(db.prisma, bad, 1, { ...base.summary, epochsRun: 5, final: { ...base.summary.final, valLoss: 0.91 } }, records(() => 0.9)[5]!);
    expect(await getRunRow(db.prisma, bad)).toMatchObject({ status: "pruned", epochsDone: 5, valLoss: 0.91 });

    // The others finish; the sweep completes, and its grid counts the pruned run beside the completed ones.
    for (const id of [good, fair]) {
      await deliver(
        id,
        records(() => 0.3, 4),
      );
      await finishRun(db.prisma, id, 1, base.summary, records(() => 0.3).at(-1)!);
    }
    await refreshSweepStatus(db.prisma, runIds);
    expect(await getSweep(db.prisma, sweepId)).toMatchObject({ status: "completed", runs: { completed: 2, pruned: 1, total: 3 } });
    const [cell] = await sweepGrid(db.prisma, sweepId);
    expect(cell).toMatchObject({ runs: 2, pruned: 1, valLoss: { n: 2 } });
  });

  it("decides concurrent arrivals in one order: the stored checks replay to the same verdicts", async () => {
    const { sweepId, runIds } = await sweepOf(12, asha);
    const stops = await Promise.all(
      runIds.map((id, i) =>
        deliver(
          id,
          records(() => 0.1 + ((i * 7) % 12) / 12, 0, 2),
        ),
      ),
    );
    const checks = await db.prisma.stopCheck.findMany({ where: { sweepId, epoch: 2 }, orderBy: { seq: "asc" } });
    expect(checks).toHaveLength(12);
    const replayed = checks.map(
      (c, i) =>
        ashaVerdict(
          asha,
          c.value,
          checks.slice(0, i).map((e) => e.value),
        ).stop,
    );
    expect(checks.map((c) => c.stopped)).toEqual(replayed);
    expect(stops.flat().length).toBe(replayed.filter(Boolean).length);
    expect(replayed.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe("the median rule through the database", () => {
  it("waits for its startup runs, then prunes a run whose best so far is worse than the completed runs' median", async () => {
    const median = StoppingSpecSchema.parse({ rule: "median", minEpochs: 3, interval: 3, startupRuns: 2, diagnoses: false });
    const { runIds } = await sweepOf(4, median);
    const [a, b, c, d] = runIds as [string, string, string, string];
    // Before two runs completed nothing is pruned, however bad.
    expect(
      await deliver(
        c,
        records(() => 5, 0, 4),
      ),
    ).toEqual([]);
    for (const [id, loss] of [
      [a, 0.2],
      [b, 0.4],
    ] as const) {
      await deliver(
        id,
        records(() => loss),
      );
      await finishRun(db.prisma, id, 1, base.summary, records(() => loss).at(-1)!);
    }
    // Checks at 3, 6, 9: c's next check (6) compares its best (5) with the median of a and b there (0.3).
    const stops = await deliver(
      c,
      records(() => 5, 5, 7),
    );
    expect(stops[0]?.reason).toMatchObject({ rule: "median", epoch: 6 });
    expect(stops[0]!.reason.evidence).toMatch(/best valLoss so far 5\.00 at epoch 6 is worse than 0\.300, the median of the 2 completed run/);
    // Its best over every traced epoch counts, not only its checks: 0.25 at epoch 1 beats the median 0.3.
    expect(
      await deliver(
        d,
        records((e) => (e === 1 ? 0.25 : 0.6), 0, 3),
      ),
    ).toEqual([]);
  });
});

describe("the diagnosis rule through the database", () => {
  it("prunes a zero-initialised run after its first epoch, with the diagnosis as the reason", async () => {
    const zero = { ...spec(1, { weightInit: "zeros" }), model: { hidden: [8, 8], activation: "logistic", weightInit: "zeros" } } as RunSpecInput;
    const trace = train(zero);
    const stopping = StoppingSpecSchema.parse({ rule: "none" });
    const { runIds } = await sweepOf(1, stopping, [zero]);
    const runId = runIds[0]!;
    expect(await decideStops(db.prisma, [])).toEqual([]);
    const first = [packEpoch(trace.epochs[0]!)];
    await appendEpochChunks(db.prisma, [{ runId, attempt: 1, records: first }]);
    expect(await decideStops(db.prisma, [{ runId, attempt: 1, records: first }])).toEqual([]);
    const stops = await deliver(runId, trace.epochs.slice(1, 3));
    expect(stops[0]?.reason).toMatchObject({ rule: "diagnosis", kind: "symmetric_units", epoch: 1 });
    expect(await getRunRow(db.prisma, runId)).toMatchObject({ status: "pruned" });
  });
});
