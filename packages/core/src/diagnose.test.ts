import { describe, expect, it } from "vitest";
import { makeDataset } from "./datasets/index.ts";
import { THRESHOLDS, type Diagnosis, type DiagnosisKind } from "./diagnose.ts";
import { DatasetSpecSchema, type RunSpecInput } from "./spec.ts";
import { train } from "./train.ts";
import { gradientRatio } from "./trace.ts";

/** The classic depth experiment's net: moons through `depth` hidden layers of 64 units, SGD. */
const deep = (
  activation: string,
  weightInit: RunSpecInput["model"]["weightInit"],
  depth: number,
  training: Partial<RunSpecInput["training"]> = {},
): RunSpecInput => ({
  dataset: { name: "moons" },
  model: { hidden: Array<number>(depth).fill(64), activation, weightInit },
  training: { epochs: 5, seed: 1, optimizer: { name: "sgd", lr: 0.01 }, ...training },
});
const find = (diagnoses: readonly Diagnosis[], kind: DiagnosisKind) => diagnoses.find((d) => d.kind === kind);

describe("vanishing gradients, by the relative and the absolute test, with their causes", () => {
  it("tanh with N(0, 0.01²) over 10 layers vanishes at epoch 0 although every layer is equally small", () => {
    const trace = train(deep("tanh", { name: "normal", std: 0.01 }, 10));
    const e0 = trace.epochs[0]!;
    // The relative test alone cannot see it: first and output layers are alike.
    expect(gradientRatio(e0.layers)!).toBeGreaterThan(THRESHOLDS.vanishingGradientRatio);
    const v = find(trace.summary.diagnoses, "vanishing_gradients");
    expect(v).toMatchObject({ epoch: 0, cause: "shrinking_signal" });
    expect(v!.layers).toHaveLength(10);
    expect(find(trace.summary.diagnoses, "collapsed_at_init")).toBeDefined();
  });

  it("a 30-layer plain ReLU net with Glorot init vanishes at epoch 0 (first/output ratio ≈ 1)", () => {
    const trace = train(deep("relu", "xavier_normal", 30, { epochs: 2 }));
    const ratio = gradientRatio(trace.epochs[0]!.layers)!;
    expect(ratio).toBeGreaterThan(0.1);
    expect(ratio).toBeLessThan(10);
    expect(find(trace.summary.diagnoses, "vanishing_gradients")).toMatchObject({ epoch: 0, cause: "shrinking_signal" });
  });

  it("He init keeps the same 30-layer ReLU net (and Xavier a 10-layer tanh net) free of vanishing gradients", () => {
    for (const input of [deep("relu", "he_normal", 30, { epochs: 2 }), deep("tanh", "xavier_normal", 10, { epochs: 2 })]) {
      expect(find(train(input).summary.diagnoses, "vanishing_gradients")).toBeUndefined();
    }
  });

  it("zero init + sigmoid: the hidden gradient is exactly 0 because the output weights are 0, not because of depth", () => {
    const trace = train(deep("logistic", "zeros", 1, { epochs: 3 }));
    const v = find(trace.summary.diagnoses, "vanishing_gradients")!;
    expect(v).toMatchObject({ epoch: 0, cause: "zero_weights", layers: [0] });
    expect(v.evidence).toContain("the output layer's weights are all 0");
  });

  it("deep sigmoid nets with Xavier init vanish by depth's Jacobians, named as such", () => {
    const trace = train(deep("logistic", "xavier_normal", 10, { epochs: 2 }));
    expect(find(trace.summary.diagnoses, "vanishing_gradients")).toMatchObject({ epoch: 0, cause: "depth" });
  });

  it("a converged net's small gradients are not called vanishing: the absolute test needs a loss that has not fallen", () => {
    const trace = train({
      ...deep("relu", "he_normal", 2),
      dataset: { name: "blobs", centers: 2, spread: 0.1 },
      training: { epochs: 40, optimizer: { name: "adam", lr: 0.01 } },
    });
    const last = trace.epochs[trace.epochs.length - 1]!;
    expect(last.trainLoss).toBeLessThan(0.01);
    expect(find(trace.summary.diagnoses, "vanishing_gradients")).toBeUndefined();
  });
});

describe("a diverged run", () => {
  it("is not called symmetric or dead from its exploded weights: unit statistics stop at the last finite epoch", () => {
    const trace = train(deep("relu", "he_normal", 3, { epochs: 5, optimizer: { name: "sgd", lr: 50 } }));
    expect(trace.summary.status).toBe("diverged");
    const at = trace.summary.divergedAt!;
    // The record at the divergence was measured on the exploded net and would show both.
    const exploded = trace.epochs.find((e) => e.epoch === at)!;
    expect(exploded.layers.slice(0, 3).some((l) => (l.deadFraction ?? 0) > THRESHOLDS.deadFraction || l.symmetry > THRESHOLDS.symmetry)).toBe(true);
    const kinds = trace.summary.diagnoses.map((d) => d.kind);
    expect(kinds).toContain("diverged");
    expect(kinds).not.toContain("symmetric_units");
    expect(kinds).not.toContain("dead_units");
  });

  it("that was symmetric before it diverged says so, at the last finite epoch", () => {
    // A constant init copies every unit; a linear net with lr 5 then blows up in its first epoch.
    const trace = train(deep("identity", { name: "constant", value: 0.5 }, 3, { epochs: 10, optimizer: { name: "sgd", lr: 5 } }));
    expect(trace.summary.divergedAt).toBe(1);
    const sym = find(trace.summary.diagnoses, "symmetric_units")!;
    expect(sym.epoch).toBe(0);
    expect(sym.evidence).toContain("at epoch 0, the last before the run diverged");
  });
});

describe("overfitting", () => {
  // 50 training points, 2 × 64 ReLU units, Adam on the full batch for 3,000 epochs: it memorises.
  const memorise: RunSpecInput = {
    dataset: { name: "moons", samples: 100, noise: 0.3, validationFraction: 0.5 },
    model: { hidden: [64, 64], activation: "relu", weightInit: "he_normal" },
    training: { epochs: 3000, batchSize: "full", seed: 1, optimizer: { name: "adam", lr: 0.01 } },
    tracing: { every: 10 },
  };

  it("is named when validation loss rises over a window while training loss falls, with epochs and values", () => {
    const trace = train(memorise);
    const o = find(trace.summary.diagnoses, "overfitting")!;
    expect(o).toBeDefined();
    expect(o.epoch).toBeGreaterThan(0);
    expect(o.epoch).toBeLessThan(3000);
    expect(o.evidence).toMatch(/validation loss \(mean over \d+ traced epochs\) rose from [\d.]+ at epoch \d+ to [\d.]+ at epoch 3000/);
    const last = trace.epochs[trace.epochs.length - 1]!;
    const best = Math.min(...trace.epochs.map((e) => e.valLoss!));
    expect(last.valLoss!).toBeGreaterThan(1.25 * best);
    expect(last.trainLoss).toBeLessThan(0.01);
  });

  it("is not named for the noise of a net that generalises, nor with early stopping before the rise", () => {
    const healthy = train(deep("relu", "he_normal", 2, { epochs: 30, optimizer: { name: "sgd", lr: 0.05 } }));
    expect(find(healthy.summary.diagnoses, "overfitting")).toBeUndefined();
    const early = train({ ...memorise, training: { ...memorise.training, epochs: 40 }, tracing: { every: 1 } });
    expect(find(early.summary.diagnoses, "overfitting")).toBeUndefined();
  });
});

describe("dataset settings of published experiments", () => {
  it("standardize: false keeps the raw features; true centres and scales them by the training split", () => {
    const features = Array.from({ length: 40 }, (_, i) => [1000 + i, -5 * i]);
    const labels = features.map((_, i) => i % 2);
    const raw = makeDataset(DatasetSpecSchema.parse({ name: "points", features, labels, standardize: false }));
    const standard = makeDataset(DatasetSpecSchema.parse({ name: "points", features, labels }));
    const rows = [...raw.train.x, ...raw.validation.x];
    expect(Math.min(...rows.filter((_, k) => k % 2 === 0))).toBeGreaterThanOrEqual(1000);
    expect([...raw.mean]).toEqual([0, 0]);
    expect([...raw.std]).toEqual([1, 1]);
    const mean0 = standard.train.x.filter((_, k) => k % 2 === 0).reduce((a, b) => a + b, 0) / standard.train.n;
    expect(Math.abs(mean0)).toBeLessThan(1e-9);
  });

  it("stratified: each class keeps its share in validation (750/250 of 1,000 blobs of 3 classes)", () => {
    const data = makeDataset(DatasetSpecSchema.parse({ name: "blobs", samples: 1000, centers: 4, validationFraction: 0.25, stratified: true, seed: 3 }));
    expect(data.train.n).toBe(750);
    expect(data.validation.n).toBe(250);
    const count = (y: Int32Array) => [0, 1, 2, 3].map((c) => y.filter((v) => v === c).length);
    const all = count(Int32Array.from([...data.train.y, ...data.validation.y]));
    const val = count(data.validation.y);
    val.forEach((v, c) => expect(Math.abs(v - all[c]! / 4)).toBeLessThan(1));
    expect(val.reduce((a, b) => a + b, 0)).toBe(250);
  });

  it("stratified splits of an unbalanced inline set still give every class its share", () => {
    const features = Array.from({ length: 50 }, (_, i) => [i]);
    const labels = features.map((_, i) => (i < 40 ? 0 : 1));
    const data = makeDataset(DatasetSpecSchema.parse({ name: "points", features, labels, validationFraction: 0.2, stratified: true }));
    expect([...data.validation.y].sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });
});
