import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { EPOCH_SCALARS, packEpoch, Run, train, type EpochRecord, type RunSpecInput, type Trace } from "@gradtrace/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IllegalTransitionError, NotFoundError, StaleAttemptError, TraceOrderError } from "../errors.ts";
import { downsample } from "../downsample.ts";
import { createTestDatabase, expectSameEpochs, type TestDatabase } from "../testing.ts";
import { failRun, finishRun, finishRuns, releaseRun, startRun, startRuns, transitionRun } from "./runs.ts";
import { sweepGrid } from "./grid.ts";
import { sweepRunTable } from "./run-table.ts";
import {
  annotateRun,
  annotateSweep,
  cancelSweepRuns,
  createSweep,
  deleteSweepRows,
  completedStamp,
  getSweep,
  listSweeps,
  refreshSweepStatus,
  requeueFailedRuns,
  setSweepStatus,
  sweepRuns,
} from "./sweeps.ts";
import { appendEpochChunks, appendEpochs, edgeEpochs, EMPTY_THIN_TRACE, epochScalarSeries, getRun, getRuns, runSeries, thinRunTrace } from "./traces.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("repositories");
});
afterAll(async () => {
  await db.drop();
});

const spec = (
  over: { activation?: string; init?: unknown; depth?: number; seed?: number; epochs?: number; every?: number; lr?: number } = {},
): RunSpecInput => ({
  dataset: { name: "moons", samples: 200 },
  model: {
    hidden: Array(over.depth ?? 2).fill(8),
    activation: (over.activation ?? "tanh") as "tanh",
    weightInit: (over.init ?? "xavier_normal") as "xavier_normal",
  },
  training: { epochs: over.epochs ?? 4, seed: over.seed ?? 1, optimizer: { name: "sgd", lr: over.lr ?? 0.05 } },
  tracing: { every: over.every ?? 1 },
});

/** Trains a stored run the way a worker would and records it through the repositories. */
async function record(runId: string, trace: Trace, worker = "w1"): Promise<number> {
  const attempt = await startRun(db.prisma, runId, { workerId: worker, device: "cpu", layers: trace.layers });
  await appendEpochs(db.prisma, runId, attempt, trace.epochs);
  await finishRun(db.prisma, runId, attempt, trace.summary, trace.epochs.at(-1)!);
  return attempt;
}

describe("sweeps", () => {
  it("are stored with their runs in one transaction, each distinct RunSpec once", async () => {
    const runs = [
      spec({ seed: 1 }),
      spec({ seed: 2 }),
      spec({ seed: 1 }),
      { ...spec({ seed: 1 }), tracing: { every: 1, histogramBins: 30, probeSamples: 512 } },
    ];
    const { sweepId, runIds } = await createSweep(db.prisma, { name: "dedupe", spec: { axes: "x" }, runs });
    expect(runIds).toHaveLength(2);
    const sweep = await getSweep(db.prisma, sweepId);
    expect(sweep.runs).toMatchObject({ queued: 2, total: 2 });
    expect(sweep.spec).toEqual({ axes: "x" });
    const stored = await db.prisma.run.findMany({ where: { sweepId }, orderBy: { seed: "asc" } });
    expect(stored.map((r) => [r.activation, r.initializer, r.depth, r.width, r.optimizer, r.learningRate, r.dataset, Number(r.seed)])).toEqual([
      ["tanh", "xavier_normal", 2, 8, "sgd", 0.05, "moons(samples=200)", 1],
      ["tanh", "xavier_normal", 2, 8, "sgd", 0.05, "moons(samples=200)", 2],
    ]);
  });

  it("store every learning rate and seed a spec allows exactly as given", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ lr: fc.double({ min: Number.MIN_VALUE, max: 100, noNaN: true }), seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }), {
          minLength: 1,
          maxLength: 20,
          selector: (r) => `${r.lr} ${r.seed}`,
        }),
        async (axes) => {
          const { sweepId } = await createSweep(db.prisma, { name: "axes", spec: {}, runs: axes.map(({ lr, seed }) => spec({ lr, seed })) });
          const stored = await db.prisma.run.findMany({ where: { sweepId }, select: { learningRate: true, seed: true, spec: true } });
          expect(new Set(stored.map((r) => `${r.learningRate} ${r.seed}`))).toEqual(new Set(axes.map((a) => `${a.lr} ${a.seed}`)));
          for (const r of stored) expect((r.spec as { training: { optimizer: { lr: number } } }).training.optimizer.lr).toBe(r.learningRate);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("reject an invalid RunSpec before storing anything", async () => {
    const before = await db.prisma.sweep.count();
    await expect(createSweep(db.prisma, { name: "bad", spec: {}, runs: [spec(), { ...spec(), model: { hidden: [0] } }] })).rejects.toThrow(/model/);
    expect(await db.prisma.sweep.count()).toBe(before);
  });

  it("are listed newest first with counts by status", async () => {
    const { sweepId, runIds } = await createSweep(db.prisma, { name: "counts", spec: {}, runs: [spec({ seed: 5 }), spec({ seed: 6 }), spec({ seed: 7 })] });
    await transitionRun(db.prisma, runIds[0]!, "cancelled");
    await startRun(db.prisma, runIds[1]!, { workerId: "w", device: "cpu", layers: [] });
    await setSweepStatus(db.prisma, sweepId, "running");
    const [latest] = await listSweeps(db.prisma);
    expect(latest).toMatchObject({ id: sweepId, name: "counts", status: "running", runs: { queued: 1, running: 1, cancelled: 1, completed: 0, total: 3 } });
    await expect(getSweep(db.prisma, "00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("notes, tags and deletion", () => {
  it("rename sweeps, keep notes and tags on sweeps and runs, and find them by any of them", async () => {
    const { sweepId, runIds } = await createSweep(db.prisma, { name: "to annotate", spec: {}, runs: [spec({ seed: 31 }), spec({ seed: 32 })] });
    await annotateSweep(db.prisma, sweepId, { name: "He vs Xavier, deep tanh", notes: "Checks Glorot & Bengio's figure 6.", tags: ["baseline", "tanh"] });
    // What is left out stays.
    await annotateSweep(db.prisma, sweepId, { tags: ["baseline", "paper-fig6"] });
    expect(await getSweep(db.prisma, sweepId)).toMatchObject({
      name: "He vs Xavier, deep tanh",
      notes: "Checks Glorot & Bengio's figure 6.",
      tags: ["baseline", "paper-fig6"],
    });
    const found = async (text: string) => (await listSweeps(db.prisma, { text })).map((s) => s.id);
    expect(await found("xavier, DEEP")).toEqual([sweepId]);
    expect(await found("glorot")).toEqual([sweepId]);
    expect(await found("paper-fig6")).toEqual([sweepId]);
    // A tag is found whole; a piece of one is not.
    expect(await found("paper")).toEqual([]);
    expect((await listSweeps(db.prisma, { text: "baseline" }))[0]).toMatchObject({ tags: ["baseline", "paper-fig6"], runs: { total: 2 } });
    await annotateRun(db.prisma, runIds[1]!, { notes: "the odd one: loss spikes at epoch 3", tags: ["outlier"] });
    const table = async (text: string) => (await sweepRunTable(db.prisma, sweepId, { text })).runs.map((r) => r.id);
    expect(await table("SPIKES")).toEqual([runIds[1]]);
    expect(await table("outlier")).toEqual([runIds[1]]);
    expect((await sweepRunTable(db.prisma, sweepId, { text: "outlier" })).runs[0]!.tags).toEqual(["outlier"]);
    expect((await getRun(db.prisma, runIds[1]!)).run).toMatchObject({ notes: "the odd one: loss spikes at epoch 3", tags: ["outlier"] });
    await expect(annotateSweep(db.prisma, "00000000-0000-0000-0000-000000000000", { notes: "x" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(annotateRun(db.prisma, "00000000-0000-0000-0000-000000000000", { notes: "x" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("delete a sweep with its runs and every trace row, and nothing of another sweep", async () => {
    const make = async (name: string) => {
      const created = await createSweep(db.prisma, { name, spec: {}, runs: [spec({ seed: 41, epochs: 3 }), spec({ seed: 42, epochs: 3 })] });
      for (const id of created.runIds) await record(id, train(spec({ seed: id === created.runIds[0] ? 41 : 42, epochs: 3 })));
      return created;
    };
    const [gone, kept] = [await make("to delete"), await make("to keep")];
    const rows = async (ids: string[]) => [
      await db.prisma.run.count({ where: { id: { in: ids } } }),
      await db.prisma.traceEpoch.count({ where: { runId: { in: ids } } }),
    ];
    expect(await rows(gone.runIds)).toEqual([2, 8]);
    expect(await deleteSweepRows(db.prisma, gone.sweepId)).toBe(2);
    expect(await rows(gone.runIds)).toEqual([0, 0]);
    await expect(getSweep(db.prisma, gone.sweepId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await rows(kept.runIds)).toEqual([2, 8]);
    await expect(deleteSweepRows(db.prisma, gone.sweepId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("store and delete a sweep however long a busy server keeps them waiting, past Prisma's 5 s transaction timeout", async () => {
    // Statements on these tables take 5.5 s more, as a large sweep's do on a loaded server.
    await db.prisma.$executeRawUnsafe(`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5.5); RETURN NULL; END $$`);
    const slow = (table: string, event: string) =>
      db.prisma.$executeRawUnsafe(`CREATE TRIGGER slow AFTER ${event} ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION slow()`);
    const fast = (table: string) => db.prisma.$executeRawUnsafe(`DROP TRIGGER slow ON "${table}"`);
    await slow("Run", "INSERT");
    const created = await createSweep(db.prisma, { name: "waited for", spec: {}, runs: [spec({ seed: 43, epochs: 2 })] }).finally(() => fast("Run"));
    await record(created.runIds[0]!, train(spec({ seed: 43, epochs: 2 })));
    await slow("TraceEpoch", "DELETE");
    expect(await deleteSweepRows(db.prisma, created.sweepId).finally(() => fast("TraceEpoch"))).toBe(1);
    expect(await db.prisma.traceEpoch.count({ where: { runId: created.runIds[0]! } })).toBe(0);
    await db.prisma.$executeRawUnsafe(`DROP FUNCTION slow()`);
  }, 30_000);
});

describe("run status", () => {
  it("moves only along legal transitions; a cancelled run never runs again", async () => {
    const { runIds } = await createSweep(db.prisma, { name: "transitions", spec: {}, runs: [spec({ seed: 11 })] });
    const id = runIds[0]!;
    await transitionRun(db.prisma, id, "cancelled");
    await expect(startRun(db.prisma, id, { workerId: "w", device: "cpu", layers: [] })).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(transitionRun(db.prisma, id, "queued")).rejects.toThrow(/from cancelled to queued/);
    expect((await getRun(db.prisma, id)).run.status).toBe("cancelled");
    await expect(transitionRun(db.prisma, "00000000-0000-0000-0000-000000000000", "running")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets a failed run be retried, and a retry replaces the failed attempt's trace", async () => {
    const input = spec({ seed: 12 });
    const trace = train(input);
    const { runIds } = await createSweep(db.prisma, { name: "retry", spec: {}, runs: [input] });
    const id = runIds[0]!;
    const first = await startRun(db.prisma, id, { workerId: "w1", device: "cpu", layers: trace.layers });
    await appendEpochs(db.prisma, id, first, trace.epochs.slice(0, 3));
    await failRun(db.prisma, id, first, "worker crashed");
    await transitionRun(db.prisma, id, "queued");
    const second = await record(id, trace, "w2");
    expect(second).toBe(first + 1);
    const stored = await getRun(db.prisma, id);
    expect(stored.run).toMatchObject({ status: "completed", attempt: second, workerId: "w2", error: null });
    expectSameEpochs(stored.epochs, trace.epochs);
    const rows = await db.prisma.traceEpoch.findMany({ where: { runId: id } });
    expect(rows.every((r) => r.attempt === second)).toBe(true);
  });

  it("drops writes of a stale attempt whose run another worker took over", async () => {
    const input = spec({ seed: 13 });
    const trace = train(input);
    const { runIds } = await createSweep(db.prisma, { name: "stale", spec: {}, runs: [input] });
    const id = runIds[0]!;
    const dead = await startRun(db.prisma, id, { workerId: "dead", device: "cpu", layers: trace.layers });
    await appendEpochs(db.prisma, id, dead, trace.epochs.slice(0, 2));
    const live = await startRun(db.prisma, id, { workerId: "live", device: "cpu", layers: trace.layers });
    await expect(appendEpochs(db.prisma, id, dead, trace.epochs.slice(2, 3))).rejects.toBeInstanceOf(StaleAttemptError);
    await expect(finishRun(db.prisma, id, dead, trace.summary, trace.epochs.at(-1)!)).rejects.toBeInstanceOf(StaleAttemptError);
    await appendEpochs(db.prisma, id, live, trace.epochs);
    await finishRun(db.prisma, id, live, trace.summary, trace.epochs.at(-1)!);
    expectSameEpochs((await getRun(db.prisma, id)).epochs, trace.epochs);
  });
});

describe("sweep lifecycle", () => {
  it("follows its runs: running once one starts, completed once none is open; retry and cancel", async () => {
    const inputs = [spec({ seed: 31, epochs: 2 }), spec({ seed: 32, epochs: 2 }), spec({ seed: 33, epochs: 2 })];
    const traces = inputs.map((i) => train(i));
    const { sweepId, runIds } = await createSweep(db.prisma, { name: "lifecycle", spec: {}, runs: inputs });
    const status = async () => (await getSweep(db.prisma, sweepId)).status;
    await refreshSweepStatus(db.prisma, runIds);
    expect(await status()).toBe("queued");
    await record(runIds[0]!, traces[0]!);
    await refreshSweepStatus(db.prisma, runIds.slice(0, 1));
    expect(await status()).toBe("running");
    await failRun(db.prisma, runIds[1]!, 1, "boom");
    await record(runIds[2]!, traces[2]!);
    expect(await completedStamp(db.prisma, sweepId)).toBeNull();
    await refreshSweepStatus(db.prisma, runIds.slice(1));
    expect(await status()).toBe("completed");
    // A completed sweep's stamp, what its derived reads are kept under, goes when it runs again.
    const stamp = await completedStamp(db.prisma, sweepId);
    expect(stamp).toBe((await getSweep(db.prisma, sweepId)).finishedAt?.toISOString());
    await expect(completedStamp(db.prisma, "00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
    const requeued = await requeueFailedRuns(db.prisma, sweepId);
    expect(requeued.map((r) => [r.id, r.attempt])).toEqual([[runIds[1], 1]]);
    expect(requeued[0]!.spec).toMatchObject({ training: { seed: 32 } });
    expect(await status()).toBe("running");
    expect(await completedStamp(db.prisma, sweepId)).toBeNull();
    expect((await sweepRuns(db.prisma, sweepId, ["queued"])).map((r) => r.id)).toEqual([runIds[1]]);
    expect(await cancelSweepRuns(db.prisma, sweepId)).toEqual([runIds[1]]);
    expect(await getSweep(db.prisma, sweepId)).toMatchObject({ status: "cancelled", runs: { completed: 2, cancelled: 1 } });
    await refreshSweepStatus(db.prisma, runIds);
    expect(await status()).toBe("cancelled");
  });
});

describe("attempts numbered by the queue", () => {
  const input = spec({ seed: 14, epochs: 3 });
  const trace = train(input);
  const worker = (attempt: number) => ({ workerId: `w${attempt}`, device: "cpu", layers: trace.layers, attempt });
  const newRun = async (name: string) => (await createSweep(db.prisma, { name, spec: {}, runs: [input] })).runIds[0]!;

  it("take the given attempt; a redelivered start keeps the trace, an older one is stale", async () => {
    const id = await newRun("explicit attempts");
    expect(await startRun(db.prisma, id, worker(3))).toBe(3);
    await appendEpochs(db.prisma, id, 3, trace.epochs.slice(0, 2));
    expect(await startRun(db.prisma, id, worker(3))).toBe(3);
    expect(await db.prisma.traceEpoch.count({ where: { runId: id } })).toBe(2);
    const stale = startRun(db.prisma, id, worker(2));
    await expect(stale).rejects.toBeInstanceOf(StaleAttemptError);
    await expect(stale).rejects.toMatchObject({ early: false });
  });

  it("refuse writes of an attempt not started yet as early, and accept them once it has", async () => {
    const id = await newRun("early writes");
    const early = appendEpochs(db.prisma, id, 1, trace.epochs.slice(0, 1));
    await expect(early).rejects.toMatchObject({ name: "StaleAttemptError", early: true });
    await expect(early).rejects.toThrow(/attempt 1 has not started yet/);
    await startRun(db.prisma, id, worker(1));
    const gap = appendEpochs(db.prisma, id, 1, trace.epochs.slice(1, 2));
    await expect(gap).rejects.toMatchObject({ name: "TraceOrderError", early: true });
    expect(await appendEpochs(db.prisma, id, 1, trace.epochs.slice(0, 1))).toBe(1);
    const end = finishRun(db.prisma, id, 1, trace.summary, trace.epochs.at(-1)!);
    await expect(end).rejects.toMatchObject({ name: "TraceOrderError", early: true });
    await expect(end).rejects.toThrow(/arrived before its last traced epoch 3/);
    await appendEpochs(db.prisma, id, 1, trace.epochs.slice(1));
    await finishRun(db.prisma, id, 1, trace.summary, trace.epochs.at(-1)!);
    await finishRun(db.prisma, id, 1, trace.summary, trace.epochs.at(-1)!);
    expect((await getRun(db.prisma, id)).run).toMatchObject({ status: "completed", attempt: 1 });
    const late = appendEpochs(db.prisma, id, 2, trace.epochs.slice(0, 1));
    await expect(late).rejects.toBeInstanceOf(IllegalTransitionError);
  });

  it("call an end that races its own start early, never illegal: one read decides why it was refused", async () => {
    // Two recorders: one writes a run's start while the other is handed its end. The end must be
    // retried (early), not dropped, whichever way the race goes.
    const runs = Array.from({ length: 60 }, (_, i) => spec({ seed: 200 + i, epochs: 3 }));
    const { runIds } = await createSweep(db.prisma, { name: "racing ends", spec: {}, runs });
    // The start lands at a different moment of the end's refusal in each round.
    const ends = [];
    for (const [k, id] of runIds.entries()) {
      const start = sleep(k % 4).then(() => startRun(db.prisma, id, worker(1)));
      ends.push((await Promise.allSettled([start, finishRun(db.prisma, id, 1, trace.summary, trace.epochs.at(-1)!)]))[1]);
    }
    for (const end of ends) {
      expect(end.status).toBe("rejected");
      expect((end as PromiseRejectedResult).reason).toMatchObject({ early: true });
    }
  });

  it("accept the untraced epoch a run diverged at, as its last", async () => {
    const diverging = { ...spec({ activation: "identity", lr: 20, epochs: 7, every: 3, seed: 1 }) };
    const t = train(diverging);
    expect(t.summary).toMatchObject({ status: "diverged", divergedAt: 1 });
    const id = (await createSweep(db.prisma, { name: "diverged untraced", spec: {}, runs: [diverging] })).runIds[0]!;
    await record(id, t);
    const stored = await getRun(db.prisma, id);
    expect(stored.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(stored.run.status).toBe("completed");
  });

  it("record a failure before any start, once, and a hand-back returns the run to the queue", async () => {
    const id = await newRun("fail before start");
    await failRun(db.prisma, id, 1, "could not build the network");
    await failRun(db.prisma, id, 1, "could not build the network");
    expect((await getRun(db.prisma, id)).run).toMatchObject({ status: "failed", attempt: 1, error: "could not build the network" });
    await expect(failRun(db.prisma, id, 0, "older")).rejects.toBeInstanceOf(StaleAttemptError);
    const other = await newRun("hand back");
    await startRun(db.prisma, other, worker(1));
    await releaseRun(db.prisma, other, 1);
    expect((await getRun(db.prisma, other)).run.status).toBe("queued");
    expect(await startRun(db.prisma, other, worker(2))).toBe(2);
  });

  it("end a run that ran out of its time limit as timed out, for good, its epochs kept", async () => {
    const id = await newRun("timed out");
    await startRun(db.prisma, id, worker(1));
    await appendEpochs(db.prisma, id, 1, trace.epochs.slice(0, 2));
    const why = "timed out: still training after 1 s (training.timeLimit), at epoch 2 of 1000";
    await failRun(db.prisma, id, 1, why, "timed_out");
    await failRun(db.prisma, id, 1, why, "timed_out");
    const stored = await getRun(db.prisma, id);
    expect(stored.run).toMatchObject({ status: "timed_out", attempt: 1, error: why });
    expect(stored.epochs).toHaveLength(2);
    // Final: another attempt would time out alike, so nothing moves it, not even a retry's start.
    await expect(startRun(db.prisma, id, worker(2))).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(transitionRun(db.prisma, id, "queued")).rejects.toBeInstanceOf(IllegalTransitionError);
  });
});

describe("trace epochs", () => {
  let id: string;
  let attempt: number;
  const input = spec({ seed: 21, epochs: 7, every: 3 });
  const trace = train(input);
  beforeAll(async () => {
    id = (await createSweep(db.prisma, { name: "epochs", spec: {}, runs: [input] })).runIds[0]!;
    attempt = await startRun(db.prisma, id, { workerId: "w", device: "cpu", layers: trace.layers });
  });

  it("are appended idempotently: a redelivered chunk leaves one copy", async () => {
    expect(trace.epochs.map((e) => e.epoch)).toEqual([0, 3, 6, 7]);
    expect(await appendEpochs(db.prisma, id, attempt, trace.epochs.slice(0, 2))).toBe(2);
    expect(await appendEpochs(db.prisma, id, attempt, trace.epochs.slice(0, 2))).toBe(0);
    expect(await appendEpochs(db.prisma, id, attempt, trace.epochs.slice(1, 3))).toBe(1);
    expect(await db.prisma.traceEpoch.count({ where: { runId: id } })).toBe(3);
  });

  it.each([
    ["not traced", { epoch: 5 }, /not traced/],
    ["beyond the run's epochs", { epoch: 8 }, /not one of its epochs/],
    ["NaN", { epoch: NaN }, /not one of its epochs/],
    ["with the wrong number of layers", { layers: trace.epochs[3]!.layers.slice(1) }, /has 2 layers, the run has 3/],
  ])("are refused with a TraceOrderError when %s", async (_case, change, message) => {
    const bad = { ...trace.epochs[3]!, ...change } as EpochRecord;
    await expect(appendEpochs(db.prisma, id, attempt, [bad])).rejects.toThrow(message);
    await expect(appendEpochs(db.prisma, id, attempt, [bad])).rejects.toBeInstanceOf(TraceOrderError);
  });

  it("are refused when they skip a traced epoch, and nothing of the chunk is stored", async () => {
    const input = spec({ seed: 23, epochs: 4 });
    const t = train(input);
    const { runIds } = await createSweep(db.prisma, { name: "order", spec: {}, runs: [input] });
    const a = await startRun(db.prisma, runIds[0]!, { workerId: "w", device: "cpu", layers: t.layers });
    await expect(appendEpochs(db.prisma, runIds[0]!, a, [t.epochs[0]!, t.epochs[2]!])).rejects.toThrow(/epoch 2 arrived before epoch 1/);
    expect(await db.prisma.traceEpoch.count({ where: { runId: runIds[0]! } })).toBe(0);
  });

  it("are refused for an unknown run", async () => {
    await expect(appendEpochs(db.prisma, "00000000-0000-0000-0000-000000000000", 1, trace.epochs)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("of a diverged run keep their NaN losses", async () => {
    const diverging = spec({ activation: "identity", init: "he_normal", seed: 22, epochs: 20, lr: 1 });
    const t = train(diverging);
    expect(t.summary.status).toBe("diverged");
    const { runIds } = await createSweep(db.prisma, { name: "diverged", spec: {}, runs: [diverging] });
    await record(runIds[0]!, t);
    const stored = await getRun(db.prisma, runIds[0]!);
    expect(stored.epochs.at(-1)!.trainLoss).toBeNaN();
    expect(stored.run.diagnosisKinds).toContain("diverged");
    expect(stored.run.status).toBe("completed");
  });
});

describe("reading", () => {
  let sweepId: string;
  const traces = new Map<string, Trace>();
  beforeAll(async () => {
    const inputs = ["tanh", "relu"].flatMap((activation) =>
      ["zeros", "xavier_normal"].flatMap((init) => [1, 2, 3].map((seed) => spec({ activation, init, seed, epochs: 6 }))),
    );
    const created = await createSweep(db.prisma, { name: "grid", spec: {}, runs: inputs });
    sweepId = created.sweepId;
    for (const [i, runId] of created.runIds.entries()) {
      const trace = train(inputs[i]!);
      traces.set(runId, trace);
      await record(runId, trace);
    }
  });

  it("thins a run's trace as whole-trace thinning would: series downsampled, an even spread of epochs in full, 0 keeping all", async () => {
    // Runs with their first 1, 2, 3, 5 and 13 traced epochs stored (as while they train), every bucket count around them.
    const lengths = [1, 2, 3, 5, 13];
    const inputs = lengths.map((n) => spec({ seed: 90 + n, epochs: 12 }));
    const created = await createSweep(db.prisma, { name: "thin", spec: {}, runs: inputs });
    for (const [i, runId] of created.runIds.entries()) {
      const trace = train(inputs[i]!);
      const attempt = await startRun(db.prisma, runId, { workerId: "w1", device: "cpu", layers: trace.layers });
      await appendEpochs(db.prisma, runId, attempt, trace.epochs.slice(0, lengths[i]));
    }
    const value = (v: number | null) => v ?? NaN;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: lengths.length - 1 }), fc.integer({ min: 0, max: 16 }), async (r, buckets) => {
        const id = created.runIds[r]!;
        const whole = (await getRun(db.prisma, id)).epochs;
        const n = whole.length;
        const keep = buckets === 0 || n <= buckets ? n : buckets;
        const picked = [...new Set(Array.from({ length: keep }, (_, k) => Math.round((k * (n - 1)) / Math.max(1, keep - 1))))];
        const x = whole.map((e) => e.epoch);
        const thin = await thinRunTrace(db.prisma, id, buckets);
        expect(thin.epochCount).toBe(n);
        expectSameEpochs(
          thin.epochs,
          picked.map((i) => whole[i]!),
        );
        expect(thin.epochs[0]?.epoch).toBe(0);
        if (keep > 1) expect(thin.epochs.at(-1)?.epoch).toBe(n - 1);
        for (const k of EPOCH_SCALARS)
          expect(thin.series[k]).toEqual(
            downsample(
              x,
              whole.map((e) => value(e[k])),
              keep,
            ),
          );
        for (const m of ["gradNorm", "updateRatio", "deadFraction"] as const) {
          expect(thin.layerSeries[m]).toEqual(
            whole[0]!.layers.map((_, l) =>
              downsample(
                x,
                whole.map((e) => value(e.layers[l]![m])),
                keep,
              ),
            ),
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it("thins a run with no stored epoch to an empty trace", async () => {
    const { runIds } = await createSweep(db.prisma, { name: "untrained", spec: {}, runs: [spec({ seed: 99 })] });
    expect(await thinRunTrace(db.prisma, runIds[0]!, 200)).toEqual(EMPTY_THIN_TRACE);
  });

  it("returns a run with its full trace, equal to the core's", async () => {
    const [runId, trace] = [...traces][0]!;
    const stored = await getRun(db.prisma, runId);
    expect(stored.run.layers).toEqual(trace.layers);
    expectSameEpochs(stored.epochs, trace.epochs);
    expect(stored.run.diagnoses).toEqual(trace.summary.diagnoses);
  });

  it("returns several runs' traces for comparison, in the order asked", async () => {
    const ids = [...traces.keys()].slice(0, 3).reverse();
    const runs = await getRuns(db.prisma, ids);
    expect(runs.map((r) => r.run.id)).toEqual(ids);
    runs.forEach((r) => expectSameEpochs(r.epochs, traces.get(r.run.id)!.epochs));
  });

  it("aggregates the sweep grid over seeds: mean, std and n per activation × initializer × depth", async () => {
    const grid = await sweepGrid(db.prisma, sweepId);
    expect(grid.map((c) => `${c.activation}/${c.initializer}/${c.depth}`)).toEqual([
      "relu/xavier_normal/2",
      "relu/zeros/2",
      "tanh/xavier_normal/2",
      "tanh/zeros/2",
    ]);
    for (const cell of grid) {
      const finals = [...traces.values()]
        .filter((t) => t.spec.model.activation.name === cell.activation && t.spec.model.weightInit.name === cell.initializer)
        .map((t) => t.summary.final.valLoss!);
      const mean = finals.reduce((a, b) => a + b, 0) / finals.length;
      const std = Math.sqrt(finals.reduce((a, b) => a + (b - mean) ** 2, 0) / (finals.length - 1));
      expect(cell.runs).toBe(3);
      expect(cell.valLoss.n).toBe(3);
      expect(cell.valLoss.mean).toBeCloseTo(mean, 10);
      expect(cell.valLoss.std).toBeCloseTo(std, 10);
    }
    const zeros = grid.find((c) => c.activation === "tanh" && c.initializer === "zeros")!;
    expect(zeros.diagnoses).toMatchObject({ symmetric_units: 3, collapsed_at_init: 3 });
  });

  it("pages the run table: filtered by text, status and diagnosis, in any column's order, missing values last", async () => {
    const all = await sweepRunTable(db.prisma, sweepId);
    expect(all.total).toBe(12);
    expect(all.runs.map((r) => r.activation)).toEqual([...Array(6).fill("relu"), ...Array(6).fill("tanh")]);
    // By final validation loss, worst first (ties in the table's default order), in pages of 5 that add up to the whole order.
    const loss = (id: string) => traces.get(id)!.summary.final.valLoss!;
    const byLoss = all.runs.map((r) => r.id).sort((a, b) => loss(b) - loss(a));
    const pages = await Promise.all([0, 5, 10].map((offset) => sweepRunTable(db.prisma, sweepId, { sort: "valLoss", dir: "desc", offset, limit: 5 })));
    expect(pages.map((p) => p.runs.length)).toEqual([5, 5, 2]);
    expect(pages.every((p) => p.total === 12)).toBe(true);
    expect(pages.flatMap((p) => p.runs.map((r) => r.id))).toEqual(byLoss);
    const symmetric = [...traces].filter(([, t]) => t.summary.diagnoses.some((d) => d.kind === "symmetric_units")).map(([id]) => id);
    expect(symmetric.length).toBeGreaterThan(0);
    const filtered = await sweepRunTable(db.prisma, sweepId, { diagnosis: "symmetric_units" });
    expect(filtered.runs.map((r) => r.id).sort()).toEqual(symmetric.sort());
    expect(filtered.total).toBe(symmetric.length);
    // Text matches any column, case-insensitively; % and _ are themselves, not wildcards.
    expect((await sweepRunTable(db.prisma, sweepId, { text: "RELU" })).runs.every((r) => r.activation === "relu")).toBe(true);
    expect((await sweepRunTable(db.prisma, sweepId, { text: "RELU" })).total).toBe(6);
    expect((await sweepRunTable(db.prisma, sweepId, { text: "xavier_n" })).total).toBe(6);
    expect((await sweepRunTable(db.prisma, sweepId, { text: "%" })).total).toBe(0);
    expect((await sweepRunTable(db.prisma, sweepId, { text: "xavier_n", status: "queued" })).total).toBe(0);
    expect((await sweepRunTable(db.prisma, sweepId, { status: "completed", sort: "seed", limit: 3 })).runs.map((r) => r.seed)).toEqual([1, 1, 1]);
    const half = await createSweep(db.prisma, { name: "half done", spec: {}, runs: [spec({ seed: 1 }), spec({ seed: 2 })] });
    await record(half.runIds[1]!, train(spec({ seed: 2 })));
    for (const dir of ["asc", "desc"] as const) {
      expect((await sweepRunTable(db.prisma, half.sweepId, { sort: "valLoss", dir })).runs.map((r) => r.id)).toEqual([half.runIds[1], half.runIds[0]]);
    }
    await expect(sweepRunTable(db.prisma, sweepId, { sort: 'id; DROP TABLE "Run"' as "seed" })).rejects.toThrow(/cannot be ordered by .* it can by activation/);
  });

  it("bounds numeric columns of the run table, leaving out runs without a value or with NaN", async () => {
    const all = (await sweepRunTable(db.prisma, sweepId)).runs;
    const acc = (r: (typeof all)[number]) => Number(r.valAccuracy);
    const median = [...all.map(acc)].sort((a, b) => a - b)[6]!;
    const upper = await sweepRunTable(db.prisma, sweepId, { ranges: { valAccuracy: { min: median } } });
    expect(upper.runs.map((r) => r.id).sort()).toEqual(
      all
        .filter((r) => acc(r) >= median)
        .map((r) => r.id)
        .sort(),
    );
    const band = await sweepRunTable(db.prisma, sweepId, { ranges: { valAccuracy: { min: median, max: median }, seed: { max: 1 } } });
    expect(band.runs.map((r) => r.id).sort()).toEqual(
      all
        .filter((r) => acc(r) === median && r.seed <= 1)
        .map((r) => r.id)
        .sort(),
    );
    // A diverged run's NaN is in no range, though Postgres orders NaN above every number; a queued run's null neither.
    const mixed = await createSweep(db.prisma, { name: "nan", spec: {}, runs: [spec({ seed: 1 }), spec({ seed: 2 }), spec({ seed: 3 })] });
    await record(mixed.runIds[0]!, train(spec({ seed: 1 })));
    await record(mixed.runIds[1]!, train(spec({ seed: 2 })));
    await db.prisma.run.update({ where: { id: mixed.runIds[1]! }, data: { valLoss: Number.NaN } });
    const bounded = await sweepRunTable(db.prisma, mixed.sweepId, { ranges: { valLoss: { min: 0 } } });
    expect(bounded.runs.map((r) => r.id)).toEqual([mixed.runIds[0]]);
    // Several values of a text axis.
    const among = async (initializers: string[]) =>
      (await sweepRunTable(db.prisma, sweepId, { among: { initializer: initializers } })).runs.map((r) => r.id).sort();
    const byInit = (names: string[]) =>
      all
        .filter((r) => names.includes(r.initializer))
        .map((r) => r.id)
        .sort();
    const names = [...new Set(all.map((r) => r.initializer))];
    expect(names.length).toBeGreaterThan(1);
    expect(await among([names[0]!])).toEqual(byInit([names[0]!]));
    expect(await among(names)).toEqual(byInit(names));
    expect(await among([])).toEqual([]);
  });

  it("keeps apart in the grid runs that differ in more than their seed: learning rates, dataset variants", async () => {
    const cases = [0.05, 0.5].flatMap((lr) => [0.2, 0.3].flatMap((noise) => [1, 2].map((seed) => ({ lr, noise, seed }))));
    const inputs = cases.map(({ lr, noise, seed }) => ({ ...spec({ seed, lr, epochs: 3 }), dataset: { name: "moons", samples: 200, noise } }));
    const created = await createSweep(db.prisma, { name: "lr × noise", spec: {}, runs: inputs });
    const finals = new Map<string, number[]>();
    for (const [i, runId] of created.runIds.entries()) {
      const trace = train(inputs[i]!);
      await record(runId, trace);
      const cell = `${cases[i]!.lr}/${cases[i]!.noise}`;
      finals.set(cell, [...(finals.get(cell) ?? []), trace.summary.final.valLoss!]);
    }
    const grid = await sweepGrid(db.prisma, created.sweepId);
    expect(grid.map((c) => `${c.learningRate}/${c.dataset}`).sort()).toEqual([
      "0.05/moons(samples=200)",
      "0.05/moons(samples=200, noise=0.3)",
      "0.5/moons(samples=200)",
      "0.5/moons(samples=200, noise=0.3)",
    ]);
    for (const cell of grid) {
      const values = finals.get(`${cell.learningRate}/${cell.dataset.includes("noise=0.3") ? 0.3 : 0.2}`)!;
      expect(cell).toMatchObject({ activation: "tanh", initializer: "xavier_normal", depth: 2, width: 8, optimizer: "sgd", runs: 2 });
      expect(cell.valLoss.n).toBe(2);
      expect(cell.valLoss.mean).toBeCloseTo((values[0]! + values[1]!) / 2, 10);
    }
  });

  it("counts each grid cell's runs by how they ended or stand, and picks a cell's runs for the table", async () => {
    // One cell (identity, He, lr 1, 20 epochs): a run that diverges, one that fails, one cancelled, one training, one queued.
    const inputs = [22, 23, 24, 25, 26].map((seed) => spec({ activation: "identity", init: "he_normal", seed, epochs: 20, lr: 1 }));
    const other = spec({ activation: "tanh", init: "xavier_normal", seed: 1, epochs: 3 });
    const { sweepId: id, runIds } = await createSweep(db.prisma, { name: "counts", spec: {}, runs: [...inputs, other] });
    const diverged = train(inputs[0]!);
    expect(diverged.summary.status).toBe("diverged");
    await record(runIds[0]!, diverged);
    const failing = await startRun(db.prisma, runIds[1]!, { workerId: "w1", device: "cpu", layers: diverged.layers });
    await failRun(db.prisma, runIds[1]!, failing, "out of memory");
    await transitionRun(db.prisma, runIds[2]!, "cancelled");
    await startRun(db.prisma, runIds[3]!, { workerId: "w1", device: "cpu", layers: diverged.layers });
    await record(runIds[5]!, train(other));
    const grid = await sweepGrid(db.prisma, id);
    const cell = grid.find((c) => c.activation === "identity")!;
    expect(cell).toMatchObject({ total: 5, runs: 1, diverged: 1, failed: 1, cancelled: 1, pruned: 0, open: 2, classes: 2 });
    // The diverged run's final loss is NaN: no mean, and the count says so.
    expect(cell.valLoss).toEqual({ mean: null, std: null, n: 0 });
    expect(grid.find((c) => c.activation === "tanh")).toMatchObject({ total: 1, runs: 1, diverged: 0, open: 0, valLoss: { n: 1 } });
    // The run table picks the cell's runs by their axes: every axis but the seed, then one seed.
    const axes = { activation: "identity", initializer: "he_normal", depth: 2, width: 8, optimizer: "sgd", learningRate: 1, dataset: cell.dataset };
    const picked = await sweepRunTable(db.prisma, id, { axes });
    expect(picked.runs.map((r) => r.id).sort()).toEqual(runIds.slice(0, 5).sort());
    expect((await sweepRunTable(db.prisma, id, { axes: { ...axes, seed: 24 } })).runs.map((r) => r.status)).toEqual(["cancelled"]);
    expect((await sweepRunTable(db.prisma, id, { axes: { ...axes, learningRate: 0.5 } })).total).toBe(0);
  });

  it("puts a gradient ratio of 0 (no gradient reached the first layer) at −∞ in the grid, not among missing values", async () => {
    const inputs = [1, 2].map((seed) => spec({ seed, epochs: 2 }));
    const { sweepId: id, runIds } = await createSweep(db.prisma, { name: "vanished", spec: {}, runs: inputs });
    for (const [i, runId] of runIds.entries()) await record(runId, train(inputs[i]!));
    await db.prisma.run.updateMany({ where: { id: runIds[0]! }, data: { gradientRatio: 0 } });
    const [cell] = await sweepGrid(db.prisma, id);
    expect(cell!.log10GradientRatio.mean).toBe(Number.NEGATIVE_INFINITY);
    expect(cell!.log10GradientRatio.n).toBe(2);
    // The spread is over the finite values: one, so none.
    expect(cell!.log10GradientRatio.std).toBeNull();
  });

  it("downsamples series to buckets that keep first, last, min and max", async () => {
    const ids = [...traces.keys()].slice(0, 2);
    const series = await runSeries(db.prisma, ids, "trainLoss", 3);
    for (const id of ids) {
      const buckets = series.get(id)!;
      const losses = traces.get(id)!.epochs.map((e) => e.trainLoss);
      expect(buckets.length).toBeLessThanOrEqual(3);
      expect(buckets[0]!.first).toBe(losses[0]);
      expect(buckets.at(-1)!.last).toBe(losses.at(-1));
      expect(Math.min(...buckets.map((b) => b.min))).toBe(Math.min(...losses));
    }
    const layer = await runSeries(db.prisma, ids, "gradNorm", 100, -1);
    expect(layer.get(ids[0]!)!.map((b) => b.first)).toEqual(traces.get(ids[0]!)!.epochs.map((e) => Math.fround(e.layers.at(-1)!.gradNorm)));
  });

  it("reads every epoch scalar's series in one go, and a run's first and last epochs without those between", async () => {
    const ids = [...traces.keys()].slice(0, 3);
    const [scalars, edges, whole] = await Promise.all([
      epochScalarSeries(db.prisma, ids, 2),
      edgeEpochs(db.prisma, [...ids, randomUUID()]),
      getRuns(db.prisma, ids),
    ]);
    for (const [i, id] of ids.entries()) {
      for (const metric of EPOCH_SCALARS) expect(scalars.get(id)![metric], metric).toEqual((await runSeries(db.prisma, [id], metric, 2)).get(id));
      expect(edges.get(id)).toEqual({ first: whole[i]!.epochs[0], last: whole[i]!.epochs.at(-1) });
      expect(edges.get(id)!.first!.epoch).toBeLessThan(edges.get(id)!.last!.epoch);
    }
    expect([...edges.values()].at(-1)).toEqual({ first: null, last: null });
    expect((await edgeEpochs(db.prisma, [])).size).toBe(0);
  });
});

describe("batches, as a recorder writes them", () => {
  it("store every valid item and report why each refused one was refused", async () => {
    const inputs = [41, 42, 43].map((seed) => spec({ seed, epochs: 3 }));
    const traces = inputs.map((i) => train(i));
    const { runIds } = await createSweep(db.prisma, { name: "batch", spec: {}, runs: inputs });
    await transitionRun(db.prisma, runIds[2]!, "cancelled");
    const unknown = "00000000-0000-0000-0000-00000000abcd";
    const started = await startRuns(
      db.prisma,
      [...runIds, unknown].map((id, i) => ({ id, workerId: "w", device: "cpu", layers: traces[i % 3]!.layers })),
    );
    expect(started.slice(0, 2)).toEqual([1, 1]);
    expect(started[2]).toBeInstanceOf(IllegalTransitionError);
    expect(started[3]).toBeInstanceOf(NotFoundError);
    const results = await appendEpochChunks(db.prisma, [
      { runId: runIds[0]!, attempt: 1, records: traces[0]!.epochs.map(packEpoch) },
      { runId: runIds[1]!, attempt: 1, records: traces[1]!.epochs.slice(1).map(packEpoch) },
      { runId: runIds[1]!, attempt: 7, records: traces[1]!.epochs.map(packEpoch) },
      { runId: runIds[2]!, attempt: 0, records: traces[2]!.epochs.map(packEpoch) },
    ]);
    expect(results.map((r) => [r.inserted, r.error?.name])).toEqual([
      [4, undefined],
      [0, "TraceOrderError"],
      [0, "StaleAttemptError"],
      [0, "IllegalTransitionError"],
    ]);
    const ends = await finishRuns(db.prisma, [
      { id: runIds[0]!, attempt: 1, summary: traces[0]!.summary, last: traces[0]!.epochs.at(-1)! },
      { id: runIds[1]!, attempt: 2, summary: traces[1]!.summary, last: traces[1]!.epochs.at(-1)! },
    ]);
    expect(ends[0]).toBeUndefined();
    expect(ends[1]).toBeInstanceOf(StaleAttemptError);
    const stored = await getRun(db.prisma, runIds[0]!);
    expect(stored.run).toMatchObject({ status: "completed", epochsDone: 3, valLoss: traces[0]!.summary.final.valLoss });
    expectSameEpochs(stored.epochs, traces[0]!.epochs);
    expect((await getRun(db.prisma, runIds[1]!)).run.status).toBe("running");
  });
});

describe("a run streamed epoch by epoch", () => {
  it("stores what the core streams, chunk by chunk", async () => {
    const input = spec({ seed: 31, epochs: 5 });
    const { runIds } = await createSweep(db.prisma, { name: "stream", spec: {}, runs: [input] });
    const run = new Run(input);
    const attempt = await startRun(db.prisma, runIds[0]!, { workerId: "w", device: "cpu", layers: run.layers });
    const iterator = run.epochs();
    const epochs: EpochRecord[] = [];
    for (let next = iterator.next(); ; next = iterator.next()) {
      if (next.done) {
        await finishRun(db.prisma, runIds[0]!, attempt, next.value, epochs.at(-1)!);
        break;
      }
      epochs.push(next.value);
      await appendEpochs(db.prisma, runIds[0]!, attempt, [next.value]);
    }
    const stored = await getRun(db.prisma, runIds[0]!);
    expect(stored.run.epochsDone).toBe(5);
    expectSameEpochs(stored.epochs, epochs);
  });
});
