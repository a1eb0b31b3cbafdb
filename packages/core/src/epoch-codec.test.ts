import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEpochChunk,
  decodeHistograms,
  decodeLayers,
  encodeEpochChunk,
  encodeHistograms,
  EpochCodecError,
  packEpoch,
  unpackEpoch,
} from "./epoch-codec.ts";
import { train } from "./train.ts";

describe("the trace codec", () => {
  it("round-trips every layer metric at float32 precision, keeping null and NaN apart", () => {
    const trace = train({ dataset: "moons", model: { hidden: [8, 8], activation: "tanh", weightInit: "xavier_normal" }, training: { epochs: 2 } });
    for (const epoch of trace.epochs) {
      const layers = epoch.layers.map((l, i) => (i === 0 ? { ...l, gradNorm: NaN } : l));
      const { layerMetrics, histograms } = packEpoch({ ...epoch, layers });
      const decoded = decodeLayers(layerMetrics, histograms);
      expect(decoded).toHaveLength(layers.length);
      decoded.forEach((d, i) => {
        const l = layers[i]!;
        for (const key of Object.keys(l) as (keyof typeof l)[]) {
          if (key === "histogram" || key === "preActivationHistogram") expect(d[key]).toEqual(l[key]);
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
    expect(decodeHistograms(bytes)).toEqual(histograms);
    expect(encodeHistograms([[1, 2, 3]])).toHaveLength(4);
  });

  it("packs a chunk of epochs and reads it back: scalars exact (NaN, null), layers at float32", () => {
    const trace = train({
      dataset: "moons",
      model: { hidden: [8, 8], activation: "identity", weightInit: "he_normal" },
      training: { epochs: 12, optimizer: { name: "sgd", lr: 1 } },
    });
    expect(trace.summary.status).toBe("diverged");
    const packed = trace.epochs.map(packEpoch);
    const read = decodeEpochChunk(encodeEpochChunk(packed));
    expect(read.map(unpackEpoch)).toEqual(packed.map(unpackEpoch));
    expect(read.at(-1)!.trainLoss).toBeNaN();
    const noValidation = decodeEpochChunk(encodeEpochChunk([{ ...packed[0]!, valLoss: null, valAccuracy: null }]));
    expect(noValidation[0]).toMatchObject({ valLoss: null, valAccuracy: null, trainLoss: packed[0]!.trainLoss });
  });

  it("reads version-1 chunks, which have no pre-activation histograms, and packs none without them", () => {
    const trace = train({ dataset: "moons", model: { hidden: [4, 4], activation: "tanh", weightInit: "xavier_normal" }, training: { epochs: 1 } });
    const epoch = trace.epochs[0]!;
    const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b);
    for (const l of epoch.layers) expect(total(l.preActivationHistogram!)).toBe(total(l.histogram));
    const packed = packEpoch(epoch);
    const bytes = encodeEpochChunk([packed]);
    // A version-1 chunk of the same epoch: the activation histograms alone, after their length.
    const activations = encodeHistograms(epoch.layers.map((l) => l.histogram));
    const lengthAt = bytes.length - 4 - packed.histograms.length;
    const v1 = Uint8Array.from([1, ...bytes.subarray(1, lengthAt), ...new Uint8Array(new Uint32Array([activations.length]).buffer), ...activations]);
    const read = unpackEpoch(decodeEpochChunk(v1)[0]!);
    expect(read.layers.map((l) => l.histogram)).toEqual(epoch.layers.map((l) => l.histogram));
    expect(read.layers.map((l) => l.preActivationHistogram)).toEqual([null, null, null]);
    // Version 1 with both, version 2 with activations only: damaged.
    expect(() => decodeEpochChunk(Uint8Array.from([1, ...bytes.subarray(1)]))).toThrow(/histograms × \d+ bins need/);
    expect(() => encodeEpochChunk([{ ...packed, histograms: activations }])).toThrow(/an activation and a pre-activation histogram per layer/);
  });

  it("refuses any damaged chunk with an EpochCodecError, never another error, and never returns what it cannot read", () => {
    const trace = train({
      dataset: "moons",
      model: { hidden: [4], activation: "tanh", weightInit: "xavier_normal" },
      training: { epochs: 3 },
      tracing: { histogramBins: 5 },
    });
    const good = encodeEpochChunk(trace.epochs.map(packEpoch));
    const damaged = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => good.map((v, i) => (i === at ? byte : v))),
      fc.nat(good.length).map((cut) => good.subarray(0, cut)),
    );
    fc.assert(
      fc.property(damaged, (bytes) => {
        let read;
        try {
          read = decodeEpochChunk(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(EpochCodecError);
          return;
        }
        // What it accepts decodes in full.
        for (const epoch of read) expect(unpackEpoch(epoch).layers).toHaveLength(2);
      }),
      { numRuns: 3000 },
    );
  });
});
