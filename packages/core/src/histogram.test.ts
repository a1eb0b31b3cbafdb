import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TANH_SATURATION } from "./activations/tanh.ts";
import { binEdges, binning, binOf, PRE_ACTIVATION_RANGE, symlogThreshold, transform } from "./histogram.ts";
import { train } from "./train.ts";

describe("histogram bins", () => {
  it("symlog: linear within the threshold, one unit per octave beyond it, exact at powers of two", () => {
    const c = symlogThreshold([-1, 1]);
    expect(c).toBe(2 ** -15);
    const inverse = 1 / c;
    expect(transform(c / 2, inverse)).toBe(0.5);
    for (let k = 0; k <= 15; k++) expect(transform(c * 2 ** k, inverse)).toBe(1 + k);
    expect(transform(-c * 8, inverse)).toBe(-4);
    // Linear within an octave: halfway between 2c and 4c is halfway between t = 2 and 3.
    expect(transform(c * 3, inverse)).toBe(2.5);
  });

  it("puts ordered values in ordered bins, clamps the rest to the ends, and each bin's middle in that bin", () => {
    for (const scale of ["symlog", "linear"] as const) {
      for (const range of [
        [-1, 1],
        [0, 4],
        [-1.6732, 4],
      ] as const) {
        const b = binning(30, range, scale);
        fc.assert(
          fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.float({ noNaN: true, noDefaultInfinity: true }), (x, y) => {
            const [low, high] = x <= y ? [x, y] : [y, x];
            return binOf(b, low) <= binOf(b, high);
          }),
        );
        expect(binOf(b, range[0] - 10)).toBe(0);
        expect(binOf(b, range[1] + 10)).toBe(29);
        const edges = binEdges(30, range, scale);
        expect(edges).toHaveLength(31);
        expect([edges[0], edges[30]]).toEqual([range[0], range[1]]);
        for (let k = 0; k < 30; k++) {
          expect(edges[k + 1]!).toBeGreaterThan(edges[k]!);
          expect(binOf(b, (edges[k]! + edges[k + 1]!) / 2)).toBe(k);
        }
      }
    }
  });

  it("spreads a tanh layer of N(0, 0.01²) weights over many bins, where linear bins put it in one or two", () => {
    const spec = (histogramScale: "symlog" | "linear") => ({
      dataset: { name: "moons" as const, samples: 400 },
      model: { hidden: [64, 64, 64], activation: "tanh", weightInit: { name: "normal", std: 0.01 } },
      training: { epochs: 1, seed: 1 },
      tracing: { histogramScale },
    });
    const occupied = (histogram: readonly number[]) => histogram.filter((c) => c > 0.01 * histogram.reduce((a, b) => a + b, 0)).length;
    const linear = train(spec("linear")).epochs[0]!.layers[0]!.histogram;
    const symlog = train(spec("symlog")).epochs[0]!.layers[0]!.histogram;
    expect(occupied(linear)).toBeLessThanOrEqual(2);
    expect(occupied(symlog)).toBeGreaterThanOrEqual(8);
  });

  it("keeps a ReLU's zeros in a bin of their own", () => {
    const b = binning(30, [0, 4], "symlog");
    expect(binOf(b, 0)).toBe(0);
    expect(binOf(b, -3)).toBe(0);
    expect(binOf(b, 1e-3)).toBeGreaterThan(0);
    expect(binEdges(30, [0, 4], "symlog")[1]).toBeLessThan(1e-3);
  });

  it("records pre-activations: a tanh net of N(0, 1) weights has as much of z beyond atanh(saturation) as of h in the flat tails", () => {
    const trace = train({
      dataset: { name: "moons", samples: 400 },
      model: { hidden: [64, 64, 64], activation: "tanh", weightInit: { name: "normal", std: 1 } },
      training: { epochs: 1, seed: 1 },
      tracing: { histogramScale: "linear", histogramBins: 32 },
    });
    const zs = Math.atanh(TANH_SATURATION);
    const edges = binEdges(32, PRE_ACTIVATION_RANGE, "linear");
    for (const [l, info] of trace.layers.entries()) {
      if (info.kind === "output") continue;
      expect(info.preActivationRange).toEqual(PRE_ACTIVATION_RANGE);
      const layer = trace.epochs[0]!.layers[l]!;
      const counts = layer.preActivationHistogram!;
      const total = counts.reduce((a, b) => a + b);
      const share = (beyond: (from: number, to: number) => boolean) => counts.reduce((s, c, b) => s + (beyond(edges[b]!, edges[b + 1]!) ? c : 0), 0) / total;
      // Bins wholly past ±zs hold at most the saturated share; bins reaching past it at least.
      const inside = share((from, to) => from >= zs || to <= -zs);
      const reaching = share((from, to) => to > zs || from < -zs);
      // Layers after the first take 64 inputs of ±1 each: most of them saturate.
      if (l > 0) expect(layer.saturatedFraction!).toBeGreaterThan(0.3);
      expect(inside).toBeLessThanOrEqual(layer.saturatedFraction!);
      expect(reaching).toBeGreaterThanOrEqual(layer.saturatedFraction!);
    }
  });
});
