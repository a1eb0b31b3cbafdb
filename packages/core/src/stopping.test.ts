import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRunSpec, type RunSpecInput } from "./spec.ts";
import { ashaVerdict, checkEpochs, checkRecordEpoch, diagnosisStop, medianVerdict, quantile, StoppingSpecSchema, stoppingValue } from "./stopping.ts";
import { train } from "./train.ts";

const asha = StoppingSpecSchema.parse({ rule: "asha", minEpochs: 2, reductionFactor: 3 });
const median = StoppingSpecSchema.parse({ rule: "median", minEpochs: 3, interval: 2, startupRuns: 2 });

describe("check epochs", () => {
  it("ASHA's rungs are minEpochs·η^k before the last epoch; the median rule checks every interval from minEpochs", () => {
    expect(checkEpochs(asha, 100)).toEqual([2, 6, 18, 54]);
    expect(checkEpochs(asha, 54)).toEqual([2, 6, 18]);
    expect(checkEpochs(median, 10)).toEqual([3, 5, 7, 9]);
    expect(checkEpochs(StoppingSpecSchema.parse({ rule: "none" }), 100)).toEqual([]);
  });

  it("a check is answered by the first traced epoch at or after it", () => {
    expect(checkRecordEpoch(6, 100, 1)).toBe(6);
    expect(checkRecordEpoch(6, 100, 5)).toBe(10);
    expect(checkRecordEpoch(6, 100, 3)).toBe(6);
    expect(checkRecordEpoch(98, 100, 40)).toBe(100);
  });
});

describe("quantile", () => {
  it("interpolates as NumPy does, and copes with infinite values", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 1 / 3)).toBeCloseTo(2, 12);
    expect(quantile([1, Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(quantile([1, Infinity], 0)).toBe(1);
  });

  it("lies between the smallest and the largest value (costs: finite, or +Infinity for a diverged run)", () => {
    const costs = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(Infinity));
    fc.assert(
      fc.property(fc.array(costs, { minLength: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const v = quantile(xs, q);
        return v >= Math.min(...xs) && v <= Math.max(...xs);
      }),
    );
  });
});

describe("ASHA on hand-made histories", () => {
  it("the first run at a rung always continues; later ones must be within the best 1/η of those before them", () => {
    expect(ashaVerdict(asha, 0.9, [])).toEqual({ stop: false, threshold: null });
    // Losses before: 0.3, 0.5, 0.7 → the 1/3 quantile is 0.4333.
    const v = ashaVerdict(asha, 0.45, [0.5, 0.3, 0.7]);
    expect(v.stop).toBe(true);
    expect(v.threshold).toBeCloseTo(0.3 + (0.5 - 0.3) * (2 / 3), 12);
    expect(ashaVerdict(asha, 0.4, [0.5, 0.3, 0.7]).stop).toBe(false);
  });

  it("for an accuracy, larger is better", () => {
    const acc = StoppingSpecSchema.parse({ rule: "asha", metric: "valAccuracy" });
    expect(ashaVerdict(acc, 0.6, [0.9, 0.8, 0.7]).stop).toBe(true);
    expect(ashaVerdict(acc, 0.9, [0.9, 0.8, 0.7]).stop).toBe(false);
  });

  it("a diverged value (NaN) is the worst: it stops, and never holds another run back", () => {
    expect(ashaVerdict(asha, NaN, [0.9]).stop).toBe(true);
    expect(ashaVerdict(asha, 5, [NaN, NaN, NaN]).stop).toBe(false);
  });

  it("replaying a rung's arrivals in order stops about 1 − 1/η of them", () => {
    // 300 runs arriving in a random order: ASHA keeps roughly the best third as it goes.
    const values = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 300) / 300);
    const stopped = values.filter((v, i) => ashaVerdict(asha, v, values.slice(0, i)).stop).length;
    expect(stopped / values.length).toBeGreaterThan(0.55);
    expect(stopped / values.length).toBeLessThan(0.75);
  });
});

describe("the median rule on hand-made histories", () => {
  it("waits for startupRuns completed runs, then stops a run whose best so far is worse than their median", () => {
    expect(medianVerdict(median, [0.9], [0.2], 1).stop).toBe(false);
    const v = medianVerdict(median, [0.9, 0.6], [0.2, 0.4, 0.5], 3);
    expect(v).toEqual({ stop: true, threshold: 0.4 });
    // Its best (0.35), not its latest, is compared.
    expect(medianVerdict(median, [0.35, 0.6], [0.2, 0.4, 0.5], 3).stop).toBe(false);
  });
});

describe("the value compared", () => {
  it("falls back from a validation metric to its training counterpart when there is no validation split", () => {
    const record = { trainLoss: 0.5, trainAccuracy: 0.8, valLoss: null, valAccuracy: null };
    expect(stoppingValue("valLoss", record)).toBe(0.5);
    expect(stoppingValue("valAccuracy", record)).toBe(0.8);
    expect(stoppingValue("valLoss", { ...record, valLoss: 0.7 })).toBe(0.7);
  });
});

describe("the diagnosis rule on real traces", () => {
  const run = (input: RunSpecInput) => {
    const spec = parseRunSpec(input);
    const trace = train(spec);
    return { spec, trace, at: (e: number) => diagnosisStop(spec, trace.layers, trace.epochs[0]!.outputStd, trace.epochs[e]!) };
  };
  const base = { dataset: { name: "moons" as const }, training: { epochs: 3, seed: 1, optimizer: { name: "sgd" as const, lr: 0.1 } } };

  it("stops a zero-initialised logistic net after epoch 1 for its symmetric units, never at epoch 0", () => {
    const { at } = run({ ...base, model: { hidden: [16, 16], activation: "logistic", weightInit: "zeros" } });
    expect(at(0)).toBeNull();
    expect(at(1)).toMatchObject({ rule: "diagnosis", kind: "symmetric_units", epoch: 1 });
  });

  it("stops a zero-initialised tanh net, frozen with exactly zero gradients, as collapsed", () => {
    const { at, trace } = run({ ...base, model: { hidden: [16, 16], activation: "tanh", weightInit: "zeros" } });
    expect(trace.epochs[1]!.layers.every((l) => l.gradNorm === 0)).toBe(true);
    expect(at(1)).toMatchObject({ kind: "collapsed_at_init" });
  });

  it("leaves alone a He-initialised ReLU net, and a collapsed one that can still escape (zero weights, random biases)", () => {
    expect(run({ ...base, model: { hidden: [16, 16], activation: "relu", weightInit: "he_normal" } }).at(2)).toBeNull();
    const escapes = run({
      ...base,
      training: { ...base.training, epochs: 100 },
      model: { hidden: [16, 16], activation: "tanh", weightInit: "zeros", biasInit: { name: "normal", std: 1 } },
    });
    expect(escapes.trace.epochs[0]!.outputStd).toBeLessThan(1e-6);
    expect(escapes.trace.epochs.map((e) => escapes.at(e.epoch)).filter((s) => s !== null)).toEqual([]);
    // It escapes: the output comes to depend on the input and the net classifies well.
    expect(escapes.trace.summary.final.valAccuracy).toBeGreaterThan(0.8);
  });
});
