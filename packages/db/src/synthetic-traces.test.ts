import { packEpoch, Random, train } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { CANONICAL_LAYERS, syntheticEpoch } from "./synthetic-traces.ts";

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const histogramBytes = (shape: "shaped" | "uniform"): number => {
  const rng = new Random(7, "calibration");
  return mean(Array.from({ length: 200 }, (_, e) => packEpoch(syntheticEpoch(rng, e, shape)).histograms.byteLength));
};

describe("synthetic traces", () => {
  it("pack their histograms to about the size the canonical cell's real traces do", () => {
    const real = train({
      dataset: { name: "moons", samples: 1280, validationFraction: 0.2, noise: 0.2, seed: 0 },
      model: { hidden: Array<number>(8).fill(64), activation: "relu", weightInit: "he_normal" },
      training: { epochs: 50, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed: 1 },
      tracing: { every: 1 },
    });
    const realBytes = mean(real.epochs.map((e) => packEpoch(e).histograms.byteLength));
    // The benches' figures stand for real sweeps only while their input packs like one.
    expect(histogramBytes("shaped") / realBytes).toBeGreaterThan(0.85);
    expect(histogramBytes("shaped") / realBytes).toBeLessThan(1.15);
    // Uniform counts are the varints' worst case: every bin takes two bytes.
    expect(histogramBytes("uniform") / realBytes).toBeGreaterThan(1.25);
  });

  it("count every probe value once in each histogram", () => {
    const rng = new Random(3, "sums");
    for (const shape of ["shaped", "uniform"] as const) {
      syntheticEpoch(rng, 5, shape).layers.forEach((layer, l) => {
        for (const histogram of [layer.histogram!, layer.preActivationHistogram!]) {
          expect(histogram.reduce((a, b) => a + b, 0)).toBe(256 * CANONICAL_LAYERS[l]!.units);
          expect(histogram.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
        }
      });
    }
  });
});
