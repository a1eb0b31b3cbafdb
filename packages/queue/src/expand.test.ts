import { readFileSync } from "node:fs";
import { LIMITS, SpecError, SWEEP_LIMITS } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { expandSweep, sampledIndices } from "./expand.ts";
import { gridSize, parseSweepSpec, runCount, type SweepSpecInput } from "./sweep-spec.ts";

const bestPractices: SweepSpecInput = {
  name: "activation × init best practices",
  axes: {
    activations: ["logistic", "tanh", "relu", "leaky_relu"],
    initializers: ["zeros", { name: "normal", std: 0.01 }, { name: "normal", std: 1 }, "xavier_normal", "he_normal"],
    depths: [2, 5, 10],
    widths: [64],
    learningRates: [0.05],
    seeds: [1, 2, 3],
  },
  fixed: { epochs: 50 },
};

describe("sweep expansion", () => {
  it("expands a grid into every combination, once, in a fixed order", () => {
    const spec = parseSweepSpec(bestPractices);
    const runs = expandSweep(spec);
    expect(gridSize(spec)).toBe(4 * 5 * 3 * 3);
    expect(runs).toHaveLength(180);
    expect(new Set(runs.map((r) => JSON.stringify(r))).size).toBe(180);
    // The seed varies fastest, then the learning rate, …, the dataset slowest.
    expect(runs.slice(0, 3).map((r) => r.training.seed)).toEqual([1, 2, 3]);
    expect(runs[3]!.model.hidden).toEqual([64, 64, 64, 64, 64]);
    expect(runs[0]).toMatchObject({
      dataset: { name: "moons" },
      model: { hidden: [64, 64], activation: { name: "logistic" }, weightInit: { name: "zeros" }, biasInit: { name: "zeros" } },
      training: { epochs: 50, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed: 1 },
    });
    expect(expandSweep(parseSweepSpec(bestPractices))).toEqual(runs);
  });

  it("gives each optimizer its own parameters from the fixed settings", () => {
    const runs = expandSweep(
      parseSweepSpec({
        ...bestPractices,
        axes: { ...bestPractices.axes, activations: ["relu"], initializers: ["he_normal"], depths: [2], seeds: [1], optimizers: ["sgd", "momentum", "adam"] },
        fixed: { epochs: 5, momentum: 0.5 },
      }),
    );
    expect(runs.map((r) => r.training.optimizer)).toEqual([
      { name: "sgd", lr: 0.05 },
      { name: "momentum", lr: 0.05, momentum: 0.5 },
      { name: "adam", lr: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    ]);
  });

  it("samples N distinct runs of the grid at random, the same ones for the same seed", () => {
    const spec = parseSweepSpec({ ...bestPractices, sampling: { mode: "random", count: 40, seed: 9 } });
    const indices = sampledIndices(spec);
    expect(indices).toHaveLength(40);
    expect(new Set(indices).size).toBe(40);
    expect(indices.every((i) => i >= 0 && i < 180)).toBe(true);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(sampledIndices(parseSweepSpec({ ...bestPractices, sampling: { mode: "random", count: 40, seed: 9 } }))).toEqual(indices);
    expect(sampledIndices(parseSweepSpec({ ...bestPractices, sampling: { mode: "random", count: 40, seed: 10 } }))).not.toEqual(indices);
    expect(expandSweep(spec)).toHaveLength(40);
    expect(sampledIndices(parseSweepSpec({ ...bestPractices, sampling: { mode: "random", count: 500 } }))).toHaveLength(180);
  });

  it("spreads a random sample over the whole grid", () => {
    const spec = parseSweepSpec({ ...bestPractices, sampling: { mode: "random", count: 90, seed: 1 } });
    const activations = new Map<string, number>();
    for (const run of expandSweep(spec)) activations.set(run.model.activation.name, (activations.get(run.model.activation.name) ?? 0) + 1);
    expect(activations.size).toBe(4);
    for (const n of activations.values()) expect(n).toBeGreaterThan(10);
  });

  it.each([
    [{ ...bestPractices, axes: { ...bestPractices.axes, depths: [] } }, "axes.depths"],
    [{ ...bestPractices, axes: { ...bestPractices.axes, activations: ["swish"] } }, "axes.activations[0].name"],
    [{ ...bestPractices, fixed: { epochs: LIMITS.maxEpochs + 1 } }, "fixed.epochs"],
    [{ ...bestPractices, name: " " }, "name"],
    [{ ...bestPractices, axes: { ...bestPractices.axes, seeds: Array.from({ length: 1000 }, (_, i) => i) } }, "axes"],
  ])("rejects an invalid sweep spec, naming the field (%#)", (input, path) => {
    try {
      parseSweepSpec(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toContain(path);
    }
  });

  it("says which combination the core refuses", () => {
    const spec = parseSweepSpec({ ...bestPractices, axes: { ...bestPractices.axes, depths: [LIMITS.maxDepth], widths: [LIMITS.maxWidth] } });
    expect(() => expandSweep(spec)).toThrow(/run 0 .*model\.hidden.*parameters/s);
  });

  it("caps the runs of a sweep at SWEEP_LIMITS.maxRuns but samples from larger grids", () => {
    const huge = { ...bestPractices, axes: { ...bestPractices.axes, seeds: Array.from({ length: 1000 }, (_, i) => i) } };
    const spec = parseSweepSpec({ ...huge, sampling: { mode: "random", count: SWEEP_LIMITS.maxRuns } });
    expect(sampledIndices(spec)).toHaveLength(SWEEP_LIMITS.maxRuns);
  });

  it("counts inline data once per dataset, however many runs use it, and refuses beyond SWEEP_LIMITS.maxInlineValues", () => {
    const points = (rows: number, features: number, shift = 0) => {
      const rowsOf = Array.from({ length: rows }, (_, i) => Array.from({ length: features }, (__, f) => ((i + f + shift) % 13) / 13));
      return { name: "points" as const, features: rowsOf, labels: rowsOf.map((_, i) => i % 2) };
    };
    const sweep = (datasets: SweepSpecInput["axes"]["datasets"], seeds: number): SweepSpecInput => ({
      ...bestPractices,
      axes: { ...bestPractices.axes, datasets, seeds: Array.from({ length: seeds }, (_, i) => i) },
    });
    // 10,000 rows × (3 features + a label) in each of 4 × 5 × 3 × 250 = 15,000 runs: 40,000 numbers, stored once.
    expect(runCount(parseSweepSpec(sweep([points(10_000, 3)], 250)))).toBe(15_000);
    // Three datasets of 100,000 rows × (34 + 1): 10.5 million numbers in one sweep.
    const big = [points(100_000, 34), points(100_000, 34, 1), points(100_000, 34, 2)];
    expect(() => parseSweepSpec(sweep(big, 1))).toThrow(
      `axes.datasets: the sweep's inline datasets hold 10500000 numbers; at most ${SWEEP_LIMITS.maxInlineValues} are allowed`,
    );
  });
});

describe("the sweep's training budget (SWEEP_LIMITS.maxSweepFlops)", () => {
  // 7 × 512 ReLU nets on 100,000 samples for 100 epochs: about 9.5e13 FLOPs a run, under the per-run limit.
  const big = (seeds: number): SweepSpecInput => ({
    name: "big",
    axes: {
      activations: ["relu"],
      initializers: ["he_normal"],
      depths: [7],
      widths: [512],
      learningRates: [0.01],
      datasets: [{ name: "moons", samples: 100_000 }],
      seeds: Array.from({ length: seeds }, (_, i) => i),
    },
    fixed: { epochs: 100 },
  });

  it("refuses a grid whose runs would train beyond it together, with the estimate; one under it passes", () => {
    expect(() => expandSweep(parseSweepSpec(big(250)))).toThrow(
      /axes: the sweep's 250 runs would train about 2\.4e\+16 floating-point operations in all; at most 2e\+16 \(about 300 h on one CPU core\)/,
    );
    expect(expandSweep(parseSweepSpec(big(200)))).toHaveLength(200);
  });

  it("counts a search's trials × seeds as its largest trial each, at parse time", () => {
    const search = JSON.parse(readFileSync(new URL("../../../examples/search-tpe.json", import.meta.url), "utf8")) as SweepSpecInput;
    // The largest trial, 6 × 128 on 100,000 samples for 3,000 epochs: about 1.5e14 FLOPs.
    const heavy = {
      ...search,
      axes: { ...search.axes, datasets: [{ name: "spirals" as const, samples: 100_000 }] },
      fixed: { ...search.fixed, epochs: 3000 },
      sampling: { ...search.sampling!, trials: 100 },
    };
    expect(() => parseSweepSpec(heavy)).toThrow(
      /sampling\.trials: the sweep's 200 runs \(trials × seeds, each counted as the largest trial\) would train about 3\.1e\+16/,
    );
    expect(() => parseSweepSpec({ ...heavy, axes: { ...heavy.axes, seeds: [0] }, sampling: { ...heavy.sampling, trials: 60 } })).not.toThrow();
  });
});

describe("the example sweeps", () => {
  it("are valid sweep specs that expand to the runs the README says", () => {
    const spec = parseSweepSpec(JSON.parse(readFileSync(new URL("../../../examples/best-practices.json", import.meta.url), "utf8")));
    expect(expandSweep(spec)).toHaveLength(180);
    const grid = parseSweepSpec(JSON.parse(readFileSync(new URL("../../../examples/grid-72.json", import.meta.url), "utf8")));
    expect(expandSweep(grid)).toHaveLength(72);
    // A search expands to nothing up front: 60 trials × 2 seeds are proposed as it goes.
    const search = parseSweepSpec(JSON.parse(readFileSync(new URL("../../../examples/search-tpe.json", import.meta.url), "utf8")));
    expect(expandSweep(search)).toHaveLength(0);
    expect(runCount(search)).toBe(120);
    expect(search.stopping).toMatchObject({ rule: "asha", diagnoses: true });
  });
});
