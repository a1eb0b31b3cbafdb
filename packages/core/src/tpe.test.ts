import { describe, expect, it } from "vitest";
import { Random } from "./random.ts";
import { goodCount, proposeTpe, TPE_DEFAULTS, type Dimension, type Observation } from "./tpe.ts";

const LR: Dimension = { kind: "float", low: 1e-5, high: 1, log: true };
/** A known 1-D objective: the squared distance, in decades, from a learning rate of 0.01. */
const decadesOff = (lr: number) => Math.abs(Math.log10(lr) + 2);

/** Runs a sequential search of `n` trials with these options; returns the proposals in order. */
function search(n: number, space: Dimension[], cost: (v: readonly number[]) => number, seed: number, options = TPE_DEFAULTS): (readonly number[])[] {
  const observations: Observation[] = [];
  for (let t = 0; t < n; t++) {
    const values = proposeTpe(space, observations, new Random(seed, `trial ${t}`), options);
    observations.push({ values, cost: cost(values) });
  }
  return observations.map((o) => o.values);
}

describe("TPE", () => {
  it("γ(n) is Optuna's: a tenth of the trials, at most 25, at least 1", () => {
    expect([1, 10, 11, 100, 1000].map(goodCount)).toEqual([1, 1, 2, 10, 25]);
  });

  it("proposes uniformly on the log scale before its startup trials", () => {
    const draws = Array.from({ length: 2000 }, (_, i) => proposeTpe([LR], [], new Random(1, `d${i}`))[0]!);
    expect(draws.every((x) => x >= 1e-5 && x <= 1)).toBe(true);
    // Each of the 5 decades gets about a fifth.
    for (let d = -5; d < 0; d++) {
      const share = draws.filter((x) => x >= 10 ** d && x < 10 ** (d + 1)).length / draws.length;
      expect(share).toBeGreaterThan(0.16);
      expect(share).toBeLessThan(0.24);
    }
  });

  it("moves its proposal density toward the optimum of a known 1-D objective", () => {
    // 30 observations spread over the range; proposals from the model vs uniform ones.
    const observations = Array.from({ length: 30 }, (_, i) => {
      const lr = 10 ** (-5 + (5 * (i + 0.5)) / 30);
      return { values: [lr], cost: decadesOff(lr) ** 2 };
    });
    const proposals = Array.from({ length: 400 }, (_, i) => proposeTpe([LR], observations, new Random(7, `p${i}`))[0]!);
    const near = proposals.filter((x) => decadesOff(x) < 0.5).length / proposals.length;
    // A uniform draw lands within half a decade of 0.01 a fifth of the time.
    expect(near).toBeGreaterThan(0.6);
  });

  it("beats random search with the same budget on a known 4-D objective, on median over 11 seeds", () => {
    // Optimum: lr 0.01, depth 4, width 64, the second activation; costs in decades, layers and octaves.
    const space: Dimension[] = [
      LR,
      { kind: "int", low: 1, high: 16, log: false },
      { kind: "int", low: 4, high: 512, log: true },
      { kind: "categorical", choices: 4 },
    ];
    const cost = (v: readonly number[]) => decadesOff(v[0]!) ** 2 + ((v[1]! - 4) / 4) ** 2 + Math.log2(v[2]! / 64) ** 2 / 4 + (v[3] === 1 ? 0 : 1);
    const bestOf = (startupTrials: number) =>
      Array.from({ length: 11 }, (_, seed) => Math.min(...search(60, space, cost, seed, { ...TPE_DEFAULTS, startupTrials }).map(cost))).sort(
        (a, b) => a - b,
      )[5]!;
    // Measured: TPE 0.19, random 0.83.
    expect(bestOf(TPE_DEFAULTS.startupTrials)).toBeLessThan(bestOf(60) / 2);
  });

  it("prefers the category whose trials did best, and keeps whole numbers whole and in range", () => {
    const space: Dimension[] = [
      { kind: "categorical", choices: 4 },
      { kind: "int", low: 1, high: 8, log: false },
    ];
    const cost = (v: readonly number[]) => (v[0] === 2 ? 0 : 1) + Math.abs(v[1]! - 3) / 10;
    const proposals = search(60, space, cost, 3);
    const late = proposals.slice(30);
    expect(late.filter((v) => v[0] === 2).length / late.length).toBeGreaterThan(0.6);
    expect(proposals.every((v) => Number.isInteger(v[1]) && v[1]! >= 1 && v[1]! <= 8 && Number.isInteger(v[0]) && v[0]! >= 0 && v[0]! < 4)).toBe(true);
  });

  it("is deterministic for the same observations and seed, and treats a failed trial as the worst", () => {
    const observations: Observation[] = Array.from({ length: 12 }, (_, i) => ({ values: [10 ** (-5 + i * 0.4)], cost: i === 5 ? NaN : i }));
    const a = proposeTpe([LR], observations, new Random(5, "x"));
    expect(proposeTpe([LR], observations, new Random(5, "x"))).toEqual(a);
    expect(Number.isFinite(a[0])).toBe(true);
  });
});
