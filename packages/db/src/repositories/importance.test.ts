import { train, type RunSpecInput } from "@gradtrace/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing.ts";
import { importanceOf } from "./importance.ts";
import { columnsText, sweepOutcomes } from "./outcomes.ts";
import { slicesOf } from "./slices.ts";
import { finishRun, startRun } from "./runs.ts";
import { createSweep } from "./sweeps.ts";
import { appendEpochs } from "./traces.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("importance");
});
afterAll(async () => {
  await db.drop();
});

const base = train({
  dataset: { name: "moons", samples: 100 },
  model: { hidden: [4], activation: "tanh", weightInit: "he_normal" },
  training: { epochs: 1, seed: 0 },
});
const spec = (activation: string, depth: number, lr: number, seed: number): RunSpecInput => ({
  dataset: { name: "moons", samples: 100 },
  model: { hidden: Array(depth).fill(4), activation, weightInit: "he_normal" },
  training: { epochs: 1, seed, optimizer: { name: "sgd", lr } },
});

/** Stores a sweep whose runs completed with the final validation loss `loss(activation, depth, lr, seed)`. */
async function sweepWith(loss: (a: string, d: number, lr: number, seed: number) => number, lrs = [0.1, 0.01]) {
  const specs = ["tanh", "relu", "elu"].flatMap((a) =>
    [1, 2].flatMap((d) => lrs.flatMap((lr) => [0, 1, 2].map((seed) => ({ a, d, lr, seed, spec: spec(a, d, lr, seed) })))),
  );
  const { sweepId, runIds } = await createSweep(db.prisma, { name: "importance", spec: {}, runs: specs.map((s) => s.spec) });
  for (const [i, id] of runIds.entries()) {
    const { a, d, lr, seed } = specs[i]!;
    const attempt = await startRun(db.prisma, id, { workerId: "w", device: "cpu", layers: base.layers });
    await appendEpochs(db.prisma, id, attempt, base.epochs);
    const final = { ...base.summary.final, valLoss: loss(a, d, lr, seed) };
    await finishRun(db.prisma, id, attempt, { ...base.summary, final }, base.epochs.at(-1)!);
  }
  return sweepId;
}

describe("a sweep's hyperparameter importance", () => {
  it("gives the activation all the variance of a loss that only it moves, agreeing over seeds", async () => {
    const sweepId = await sweepWith((a) => ({ tanh: 0.3, relu: 0.1, elu: 0.2 })[a]!);
    const imp = importanceOf(await sweepOutcomes(db.prisma, sweepId), "valLoss")!;
    expect(imp).toMatchObject({ method: "exact", cells: 12, grid: 12, runs: 36, seeds: 3 });
    expect(imp.settings.map((s) => s.axis)).toEqual(["activation", "depth", "learningRate"]);
    const activation = imp.main.find((m) => m.axis === "activation")!;
    expect(activation.fraction).toBeCloseTo(1, 9);
    expect(activation.seedMean).toBeCloseTo(1, 9);
    expect(activation.seedStd).toBeCloseTo(0, 9);
    expect(imp.pairs.every((p) => p.fraction < 1e-9)).toBe(true);
  });

  it("puts an interaction of depth and learning rate on that pair, and its noise over seeds in the spread", async () => {
    const sweepId = await sweepWith((_a, d, lr, seed) => (d === 2 && lr === 0.1 ? 1 : 0) + (seed - 1) * 0.01);
    const imp = importanceOf(await sweepOutcomes(db.prisma, sweepId), "valLoss")!;
    // (d = 2 and lr = 0.1) is a quarter of cells: main effects take 2 × 1/3 of the variance, the pair 1/3.
    expect(imp.pairs[0]!.axes).toEqual(["depth", "learningRate"]);
    expect(imp.pairs[0]!.fraction).toBeCloseTo(1 / 3, 6);
    expect(imp.main.find((m) => m.axis === "depth")!.fraction).toBeCloseTo(1 / 3, 6);
    expect(imp.main.find((m) => m.axis === "activation")!.fraction).toBeCloseTo(0, 6);
  });

  it("bins a setting drawn from a range (more than 8 values) by quartiles", async () => {
    const lrs = Array.from({ length: 12 }, (_, i) => 10 ** (-3 + i * 0.2));
    const sweepId = await sweepWith((_a, _d, lr) => Math.log10(lr), lrs);
    const imp = importanceOf(await sweepOutcomes(db.prisma, sweepId), "valLoss")!;
    expect(imp.settings.find((s) => s.axis === "learningRate")!.levels).toHaveLength(4);
    expect(imp.main.find((m) => m.axis === "learningRate")!.fraction).toBeGreaterThan(0.9);
  });
});

describe("a sweep's slices", () => {
  it("give each swept setting's spread at each level, as Postgres' percentile_cont computes it, split by a second setting", async () => {
    const sweepId = await sweepWith((a, d, lr, seed) => ({ tanh: 0.3, relu: 0.1, elu: 0.2 })[a]! + 0.05 * d + lr + 0.001 * seed);
    const slices = slicesOf(await sweepOutcomes(db.prisma, sweepId), "valLoss", "activation");
    expect(slices.map((s) => s.axis)).toEqual(["depth", "learningRate"]);
    const depth = slices[0]!;
    expect(depth.levels).toEqual(["1", "2"]);
    expect(depth.groups).toEqual(["elu", "relu", "tanh"]);
    const direct = await db.prisma.$queryRaw<
      Array<{ depth: number; activation: string; n: number; min: number; q1: number; median: number; q3: number; max: number }>
    >`
      SELECT depth, activation, count(*)::int AS n, min("valLoss") AS min, max("valLoss") AS max,
        percentile_cont(0.25) WITHIN GROUP (ORDER BY "valLoss") AS q1,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY "valLoss") AS median,
        percentile_cont(0.75) WITHIN GROUP (ORDER BY "valLoss") AS q3
      FROM "Run" WHERE "sweepId" = ${sweepId}::uuid GROUP BY depth, activation`;
    expect(direct).toHaveLength(6);
    for (const row of direct) {
      const spread = depth.spreads[depth.levels.indexOf(String(row.depth))]![depth.groups.indexOf(row.activation)]!;
      expect(spread.n).toBe(row.n);
      for (const k of ["min", "q1", "median", "q3", "max"] as const) expect(spread[k], `${k} of depth ${row.depth}, ${row.activation}`).toBeCloseTo(row[k], 12);
    }
    // Without a second setting: one group, every setting.
    const pooled = slicesOf(await sweepOutcomes(db.prisma, sweepId), "valLoss");
    expect(pooled.map((s) => [s.axis, s.groups])).toEqual([
      ["activation", ["all"]],
      ["depth", ["all"]],
      ["learningRate", ["all"]],
    ]);
    expect(pooled[0]!.spreads.map((l) => l[0]!.n)).toEqual([12, 12, 12]);
  });
});

describe("a sweep's outcomes", () => {
  it("read every run once in id order, the grid metrics as the grid computes them; the analyses take the finite ones; columns spell NaN", async () => {
    const sweepId = await sweepWith((a, d, lr, seed) => (a === "relu" && d === 2 && seed === 0 ? NaN : d + lr + seed));
    const o = await sweepOutcomes(db.prisma, sweepId);
    const direct = await db.prisma.$queryRaw<Array<{ activation: string; depth: number; seed: number; valLoss: number; log: number | null }>>`
      SELECT activation, depth, seed::float8 AS seed, "valLoss", CASE WHEN "gradientRatio" > 0 THEN log("gradientRatio") END AS log
      FROM "Run" WHERE "sweepId" = ${sweepId}::uuid ORDER BY id`;
    expect(o.axes.activation).toEqual(direct.map((r) => r.activation));
    expect(o.axes.depth).toEqual(direct.map((r) => r.depth));
    expect(o.axes.seed).toEqual(direct.map((r) => r.seed));
    expect(o.outcomes.valLoss).toEqual(direct.map((r) => r.valLoss));
    expect(o.outcomes.log10GradientRatio).toEqual(direct.map((r) => r.log));
    const diverged = o.outcomes.valLoss.findIndex((v) => Number.isNaN(v));
    expect(o.axes.activation[diverged]).toBe("relu");
    // The analyses leave the two diverged runs (both learning rates) out: 10 of relu's 12 runs in its slice.
    const slices = slicesOf(o, "valLoss");
    const activation = slices.find((s) => s.axis === "activation")!;
    expect(activation.spreads[activation.levels.indexOf("relu")]![0]!.n).toBe(10);
    const columns = JSON.parse(columnsText(o)) as Record<string, unknown[]>;
    expect(columns.valLoss![diverged]).toBe("NaN");
    expect(columns.valLoss!.filter((v) => typeof v === "number")).toHaveLength(34);
  });
});
