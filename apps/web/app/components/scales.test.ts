import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GRID_METRIC_NAMES } from "@gradtrace/db";
import { inkOn, legendGradient, metricScale, scaleColour, scalePosition } from "./scales.ts";

const luminance = (hex: string) => [1, 3, 5].reduce((sum, i, j) => sum + [0.2126, 0.7152, 0.0722][j]! * parseInt(hex.slice(i, i + 2), 16), 0);

describe("the heatmap's colour scales", () => {
  it("give a value the same colour whatever else is on screen, and clamp beyond their ends", () => {
    fc.assert(
      fc.property(fc.constantFrom(...GRID_METRIC_NAMES), fc.integer({ min: 2, max: 10 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (metric, k, v) => {
        const scale = metricScale(metric, k);
        const colour = scaleColour(scale, v)!;
        expect(colour).toMatch(/^#[0-9a-f]{6}$/);
        // A pure function of the value and the scale: nothing else decides the colour.
        expect(scaleColour(metricScale(metric, k), v)).toBe(colour);
        const [lo, hi] = scale.domain;
        if (v <= lo) expect(colour).toBe(scale.stops[0]);
        if (v >= hi) expect(colour).toBe(scale.stops.at(-1));
      }),
    );
  });

  it("put accuracy on [chance, 1] and losses on [0, ln classes], darker where better", () => {
    const accuracy = metricScale("valAccuracy", 2);
    expect(accuracy.domain).toEqual([0.5, 1]);
    expect(metricScale("valAccuracy", 4).domain).toEqual([0.25, 1]);
    expect(luminance(scaleColour(accuracy, 0.95)!)).toBeLessThan(luminance(scaleColour(accuracy, 0.6)!));
    const loss = metricScale("valLoss", 3);
    expect(loss.domain[1]).toBeCloseTo(Math.log(3), 12);
    expect(luminance(scaleColour(loss, 0.05)!)).toBeLessThan(luminance(scaleColour(loss, 0.9)!));
    // Two cells reading 0.696 get one colour; a loss worse than guessing is at the bad end.
    expect(scaleColour(metricScale("valLoss", 2), 0.696)).toBe(scaleColour(metricScale("valLoss", 2), 0.696));
    expect(scaleColour(metricScale("valLoss", 2), 0.75)).toBe(scaleColour(metricScale("valLoss", 2), 5));
  });

  it("centre the gradient ratio on 1, vanishing blue at one end and exploding red at the other", () => {
    const ratio = metricScale("log10GradientRatio", 2);
    expect(ratio.kind).toBe("diverging");
    expect(scalePosition(ratio, 0)).toBe(0.5);
    expect(scaleColour(ratio, 0)).toBe("#f7f7f7");
    // The textbook vanishing case (−7.26) is the vanishing end, not a healthy green.
    expect(scaleColour(ratio, -7.26)).toBe("#053061");
    expect(scaleColour(ratio, Number.NEGATIVE_INFINITY)).toBe("#053061");
    expect(scaleColour(ratio, 9)).toBe("#67001f");
    const [r, , b] = [1, 3, 5].map((i) => parseInt(scaleColour(ratio, -2)!.slice(i, i + 2), 16));
    expect(b!).toBeGreaterThan(r!);
    expect(scaleColour(ratio, Number.NaN)).toBeNull();
  });

  it("write on each colour in the ink that reads, and draw the legend through every stop", () => {
    expect(inkOn("#081d58")).toBe("#fff");
    expect(inkOn("#ffffd9")).toBe("#000");
    const scale = metricScale("deadFraction", 2);
    const gradient = legendGradient(scale);
    for (const stop of scale.stops) expect(gradient).toContain(stop);
    expect(gradient).toMatch(/0\.0%.*100\.0%\)$/);
  });
});
