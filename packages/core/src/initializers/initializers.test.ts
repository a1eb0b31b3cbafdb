import { describe, expect, it } from "vitest";
import { Random } from "../random.ts";
import { InitializerSpecSchema } from "../spec.ts";
import { initialize } from "./index.ts";

function draw(spec: unknown, rows: number, cols: number, seed = 1): Float64Array {
  const target = new Float64Array(rows * cols);
  initialize(InitializerSpecSchema.parse(spec), { values: target, rows, cols, fanIn: cols, fanOut: rows }, new Random(seed, "test"));
  return target;
}

function std(values: Float64Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

describe("initializers", () => {
  const fanOut = 200;
  const fanIn = 300;
  it.each([
    ["xavier_normal", Math.sqrt(2 / (fanIn + fanOut))],
    ["xavier_uniform", Math.sqrt(2 / (fanIn + fanOut))],
    ["he_normal", Math.sqrt(2 / fanIn)],
    ["he_uniform", Math.sqrt(2 / fanIn)],
    ["lecun_normal", Math.sqrt(1 / fanIn)],
    ["lecun_uniform", Math.sqrt(1 / fanIn)],
    [{ name: "normal", std: 0.01 }, 0.01],
    [{ name: "uniform", limit: 0.3 }, 0.3 / Math.sqrt(3)],
  ])("%o draws with the documented standard deviation", (spec, expected) => {
    expect(std(draw(spec, fanOut, fanIn)) / expected).toBeGreaterThan(0.98);
    expect(std(draw(spec, fanOut, fanIn)) / expected).toBeLessThan(1.02);
  });

  it("keeps uniform draws inside their limit", () => {
    const limit = Math.sqrt(6 / fanIn);
    const values = draw("he_uniform", fanOut, fanIn);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.99 * limit);
  });

  it("scales fan-scaled schemes by their gain", () => {
    expect(std(draw({ name: "xavier_normal", gain: 5 / 3 }, fanOut, fanIn)) / std(draw("xavier_normal", fanOut, fanIn))).toBeCloseTo(5 / 3, 10);
  });

  it("sets zeros and constants exactly", () => {
    expect(draw("zeros", 3, 4).every((v) => v === 0)).toBe(true);
    expect(draw({ name: "constant", value: 0.5 }, 3, 4).every((v) => v === 0.5)).toBe(true);
  });

  it.each([
    [8, 8],
    [5, 12],
    [12, 5],
  ])("makes a %i × %i orthogonal matrix scaled by the gain", (rows, cols) => {
    const gain = 1.5;
    const w = draw({ name: "orthogonal", gain }, rows, cols);
    // Rows are orthonormal when rows ≤ cols, columns otherwise: check the smaller Gram matrix.
    const byRows = rows <= cols;
    const k = Math.min(rows, cols);
    const m = Math.max(rows, cols);
    const at = (i: number, t: number) => (byRows ? w[i * cols + t]! : w[t * cols + i]!);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let t = 0; t < m; t++) dot += at(i, t) * at(j, t);
        expect(dot).toBeCloseTo(i === j ? gain * gain : 0, 10);
      }
    }
  });

  it("is deterministic for a seed and differs across seeds", () => {
    expect(draw("he_normal", 4, 4, 7)).toEqual(draw("he_normal", 4, 4, 7));
    expect(draw("he_normal", 4, 4, 7)).not.toEqual(draw("he_normal", 4, 4, 8));
  });
});
