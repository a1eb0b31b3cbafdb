import { train, type RunSpec } from "@gradtrace/core";
import { appendEpochs, failRun, finishRun, startRun } from "@gradtrace/db";
import { parseSweepSpec, RunJobSchema, type SweepSpecInput } from "@gradtrace/queue";
import { describe, expect, it } from "vitest";
import { advanceSearch, submitSweep } from "./sweeps.ts";
import { testControl } from "./test-control.ts";

const t = testControl("control_search");

const search: SweepSpecInput = {
  name: "tpe",
  axes: { activations: ["tanh", "relu"], initializers: ["he_normal"], widths: [8], datasets: [{ name: "moons", samples: 200 }], seeds: [0, 1] },
  fixed: { epochs: 3, batchSize: 32 },
  sampling: {
    mode: "tpe",
    trials: 6,
    parallelism: 2,
    startupTrials: 2,
    space: { learningRate: { low: 1e-3, high: 1, log: true }, depth: { low: 1, high: 3 } },
  },
};

/** Trains a queued run as a worker would and records it; a `fail`ed one fails instead. */
async function complete(runId: string, fail = false): Promise<void> {
  const row = await t.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  const trace = train(row.spec as unknown as RunSpec);
  const attempt = await startRun(t.prisma, runId, { workerId: "w", device: "cpu", layers: trace.layers });
  if (fail) return failRun(t.prisma, runId, attempt, "boom");
  await appendEpochs(t.prisma, runId, attempt, trace.epochs);
  await finishRun(t.prisma, runId, attempt, trace.summary, trace.epochs.at(-1)!);
}

const queuedRuns = (sweepId: string) =>
  t.prisma.run.findMany({ where: { sweepId, status: "queued" }, orderBy: [{ trial: "asc" }, { seed: "asc" }], select: { id: true, trial: true } });

describe("a TPE search", () => {
  it("validates its space: a range replaces an axis list, never both, and the largest trial must be a valid run", () => {
    expect(() => parseSweepSpec({ ...search, axes: { ...search.axes, depths: [2] } })).toThrow(
      /axes\.depths: give either axes\.depths or sampling\.space\.depth, not both/,
    );
    expect(() => parseSweepSpec({ ...search, axes: { ...search.axes, widths: undefined } })).toThrow(
      /axes\.widths: expected a list of values \(or a range in sampling\.space\.width\)/,
    );
    expect(() => parseSweepSpec({ ...search, sampling: { mode: "grid" } })).toThrow(/axes\.depths: expected a list of values/);
    const huge = { ...search, sampling: { ...search.sampling, space: { ...(search.sampling as { space: object }).space, width: { low: 8, high: 4096 } } } };
    expect(() => parseSweepSpec({ ...huge, axes: { ...search.axes, widths: undefined, datasets: [{ name: "moons", samples: 100_000 }] } })).toThrow(
      /sampling\.space \(the largest trial, 3 × 4096\)/,
    );
    expect(() => parseSweepSpec({ ...search, sampling: { ...search.sampling, space: { depth: { low: 3, high: 1 } } } })).toThrow(/low must be below high/);
  });

  it("keeps `parallelism` trials in flight, each once per seed, proposes the next as runs settle, and stops at `trials`", async () => {
    const { sweepId, runs } = await submitSweep(t.control, search);
    expect(runs).toBe(12);
    let queued = await queuedRuns(sweepId);
    expect(queued.map((r) => r.trial)).toEqual([0, 0, 1, 1]);
    // Every queued run is in the queue, with its sweep's id.
    for (const r of queued) expect(RunJobSchema.parse((await t.control.queues.runs.any.getJob(r.id))!.data).sweepId).toBe(sweepId);

    // One run of trial 0 done: the trial is still open, nothing new.
    await complete(queued[0]!.id);
    await advanceSearch(t.control, sweepId);
    expect((await queuedRuns(sweepId)).map((r) => r.trial)).toEqual([0, 1, 1]);
    // Its other seed fails: trial 0 is finished (the worst), trial 2 comes.
    await complete(queued[1]!.id, true);
    await advanceSearch(t.control, sweepId);
    // Asking again changes nothing: the trials are stored under the sweep's lock.
    await advanceSearch(t.control, sweepId);
    expect((await queuedRuns(sweepId)).map((r) => r.trial)).toEqual([1, 1, 2, 2]);

    for (let round = 0; round < 10 && (queued = await queuedRuns(sweepId)).length > 0; round++) {
      for (const r of queued) await complete(r.id);
      await advanceSearch(t.control, sweepId);
    }
    const trials = await t.prisma.trial.findMany({ where: { sweepId }, orderBy: { number: "asc" } });
    expect(trials).toHaveLength(6);
    const all = await t.prisma.run.findMany({ where: { sweepId }, select: { trial: true, depth: true, learningRate: true, activation: true, seed: true } });
    expect(all).toHaveLength(12);
    // A trial's runs differ only in their seed, and the trial's values are its settings.
    for (const t of trials) {
      const mine = all.filter((r) => r.trial === t.number);
      expect(mine.map((r) => Number(r.seed)).sort()).toEqual([0, 1]);
      expect(new Set(mine.map((r) => `${r.activation} ${r.depth} ${r.learningRate}`)).size).toBe(1);
      const [activation, lr, depth] = t.values as number[];
      expect(mine[0]).toMatchObject({ activation: ["tanh", "relu"][activation!], learningRate: lr, depth });
    }
  });

  it("proposes the same trials for the same sweep and the same order of finished trials", async () => {
    const proposals = async () => {
      const { sweepId } = await submitSweep(t.control, { ...search, sampling: { ...search.sampling, trials: 4 } } as SweepSpecInput);
      for (let queued = await queuedRuns(sweepId); queued.length > 0; queued = await queuedRuns(sweepId)) {
        // One trial at a time, in trial order, so both searches see the same finishing order.
        for (const r of queued.filter((q) => q.trial === queued[0]!.trial)) await complete(r.id);
        await advanceSearch(t.control, sweepId);
      }
      return (await t.prisma.trial.findMany({ where: { sweepId }, orderBy: { number: "asc" } })).map((trial) => trial.values);
    };
    expect(await proposals()).toEqual(await proposals());
  });
});
