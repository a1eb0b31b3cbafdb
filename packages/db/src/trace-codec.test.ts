import { train } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { decodeHistograms, decodeLayers, encodeHistograms, encodeLayerMetrics } from "./trace-codec.ts";

describe("the trace codec", () => {
  it("round-trips every layer metric at float32 precision, keeping null and NaN apart", () => {
    const trace = train({ dataset: "moons", model: { hidden: [8, 8], activation: "tanh", weightInit: "xavier_normal" }, training: { epochs: 2 } });
    for (const epoch of trace.epochs) {
      const layers = epoch.layers.map((l, i) => (i === 0 ? { ...l, gradNorm: NaN } : l));
      const decoded = decodeLayers(encodeLayerMetrics(layers), encodeHistograms(layers.map((l) => l.histogram)));
      expect(decoded).toHaveLength(layers.length);
      decoded.forEach((d, i) => {
        const l = layers[i]!;
        for (const key of Object.keys(l) as (keyof typeof l)[]) {
          if (key === "histogram") expect(d.histogram).toEqual(l.histogram);
          else if (l[key] === null) expect(d[key]).toBeNull();
          else if (Number.isNaN(l[key])) expect(d[key]).toBeNaN();
          else expect(d[key]).toBe(Math.fround(l[key] as number));
        }
      });
      expect(decoded[0]!.updateRatio).toBe(epoch.epoch === 0 ? null : Math.fround(layers[0]!.updateRatio!));
    }
  });

  it("stores histogram counts of any size as varints", () => {
    const histograms = [
      [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 40],
      [5, 0, 0, 0, 0, 0, 0, 0, 1],
    ];
    const bytes = encodeHistograms(histograms);
    expect(decodeHistograms(bytes, 2)).toEqual(histograms);
    expect(encodeHistograms([[1, 2, 3]])).toHaveLength(4);
  });
});
