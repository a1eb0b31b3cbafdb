import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { makeDataset } from "./datasets/index.ts";
import { ACTIVATION_NAMES, DatasetSpecSchema, SpecError, type RunSpecInput } from "./spec.ts";
import { Run, train } from "./train.ts";

const spec = (
  model: Partial<RunSpecInput["model"]>,
  training: Partial<RunSpecInput["training"]> = {},
  dataset: RunSpecInput["dataset"] = { name: "moons", samples: 640 },
): RunSpecInput => ({
  dataset,
  model: { hidden: [16, 16], activation: "tanh", weightInit: "xavier_normal", ...model },
  training: { epochs: 5, batchSize: 32, optimizer: { name: "sgd", lr: 0.05 }, seed: 1, ...training },
});

const stdByLayer = (input: RunSpecInput, epoch = 0) => {
  const trace = train({ ...input, training: { ...input.training, epochs: 1 } });
  const record = trace.epochs.find((e) => e.epoch === epoch)!;
  return record.layers.slice(0, -1).map((l) => l.activationStd);
};

describe("determinism", () => {
  const input = spec({ activation: "relu", weightInit: "he_normal" }, { optimizer: { name: "adam", lr: 0.01 } });

  it.each(["wasm", "js"] as const)("gives byte-identical traces for the same RunSpec (%s kernels)", (kernels) => {
    expect(JSON.stringify(train(input, { kernels }))).toBe(JSON.stringify(train(input, { kernels })));
  });

  it("gives the same trace in another process", () => {
    const script = fileURLToPath(new URL("../scripts/trace-hash.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script, JSON.stringify(input)], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    const here = createHash("sha256")
      .update(JSON.stringify(train(input)))
      .digest("hex");
    expect(child.stdout.trim()).toBe(here);
  });

  it("changes with the seed", () => {
    const other = { ...input, training: { ...input.training, seed: 2 } };
    expect(JSON.stringify(train(other))).not.toBe(JSON.stringify(train(input)));
  });

  it("agrees between wasm and js kernels to float32 rounding", () => {
    const [a, b] = [train(input, { kernels: "wasm" }), train(input, { kernels: "js" })];
    expect(a.summary.final.trainLoss).toBeCloseTo(b.summary.final.trainLoss, 3);
    expect(a.epochs[0]!.layers[0]!.gradNorm).toBeCloseTo(b.epochs[0]!.layers[0]!.gradNorm, 5);
  });
});

describe.each(ACTIVATION_NAMES)("wasm and js kernels with %s", (name) => {
  it("record the same trace to float32 rounding", () => {
    const input = { ...spec({ activation: name, hidden: [16, 16, 16] }, { epochs: 3 }), tracing: { histogramBins: 10 } };
    const [a, b] = [train(input, { kernels: "wasm" }), train(input, { kernels: "js" })];
    a.epochs.forEach((e, i) => {
      const r = b.epochs[i]!;
      expect(e.trainLoss).toBeCloseTo(r.trainLoss, 4);
      expect(e.valLoss!).toBeCloseTo(r.valLoss!, 4);
      e.layers.forEach((l, j) => {
        const m = r.layers[j]!;
        expect(l.gradNorm / m.gradNorm).toBeCloseTo(1, 3);
        expect(l.activationStd / m.activationStd).toBeCloseTo(1, 3);
        expect(l.preActivationMean).toBeCloseTo(m.preActivationMean, 3);
        expect(l.deadFraction).toBe(m.deadFraction);
        // Values on a bin edge may land on either side of it after float32 rounding.
        expect(l.histogram.reduce((s, c, k) => s + Math.abs(c - m.histogram[k]!), 0)).toBeLessThanOrEqual(4);
      });
    });
  });
});

describe("the trace", () => {
  it("records epoch 0 before any update, then every k-th epoch and the last", () => {
    const trace = train(spec({}, { epochs: 7 }, { name: "moons", samples: 200 }), {});
    expect(trace.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const sparse = train({ ...spec({}, { epochs: 7 }), tracing: { every: 3 } });
    expect(sparse.epochs.map((e) => e.epoch)).toEqual([0, 3, 6, 7]);
    expect(sparse.epochs[0]!.layers[0]!.updateRatio).toBeNull();
    expect(sparse.epochs[1]!.layers[0]!.updateRatio).toBeGreaterThan(0);
  });

  it("streams epochs as they finish and ends with the summary", () => {
    const run = new Run(spec({}, { epochs: 3 }));
    const iterator = run.epochs();
    const first = iterator.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ epoch: 0 });
    let next = iterator.next();
    while (!next.done) next = iterator.next();
    expect(next.value.status).toBe("completed");
    expect(next.value.epochsRun).toBe(3);
  });

  it("has one record per layer with histograms that count every probe activation", () => {
    const trace = train({ ...spec({ hidden: [8, 8, 8] }), tracing: { histogramBins: 12, probeSamples: 100 } });
    expect(trace.layers.map((l) => l.kind)).toEqual(["hidden", "hidden", "hidden", "output"]);
    for (const e of trace.epochs) {
      expect(e.layers).toHaveLength(4);
      e.layers.forEach((l, i) => {
        expect(l.histogram).toHaveLength(12);
        expect(l.histogram.reduce((a, b) => a + b, 0)).toBe(100 * trace.layers[i]!.units);
      });
    }
  });

  it("learns moons with a sensible network", () => {
    const trace = train(spec({ hidden: [32, 32] }, { epochs: 30, optimizer: { name: "adam", lr: 0.01 } }));
    expect(trace.summary.final.valAccuracy).toBeGreaterThan(0.95);
    expect(trace.summary.diagnoses).toEqual([]);
  });

  it("rejects an invalid spec with a SpecError", () => {
    expect(() => train(spec({ hidden: [0] }))).toThrow(SpecError);
  });
});

describe("the physics of initialisation", () => {
  it("zero init never breaks symmetry: every hidden unit of a layer stays identical", () => {
    const trace = train(spec({ weightInit: "zeros", activation: "tanh" }, { epochs: 20 }));
    const last = trace.epochs[trace.epochs.length - 1]!;
    for (const l of last.layers.slice(0, -1)) expect(l.symmetry).toBe(1);
    expect(trace.summary.diagnoses.map((d) => d.kind)).toContain("symmetric_units");
    // The same net from random init breaks it at once.
    const random = train(spec({ weightInit: "xavier_normal" }, { epochs: 2 }));
    for (const l of random.epochs[0]!.layers.slice(0, -1)) expect(l.symmetry).toBe(0);
  });

  it("a constant init is as symmetric as zeros, even though units are non-zero", () => {
    const trace = train(spec({ weightInit: { name: "constant", value: 0.5 }, activation: "relu" }, { epochs: 10 }));
    const last = trace.epochs[trace.epochs.length - 1]!;
    expect(last.layers[0]!.symmetry).toBe(1);
    expect(last.layers[0]!.weightNorm).toBeGreaterThan(0);
  });

  it("small random weights make tanh activations vanish layer by layer", () => {
    const std = stdByLayer(spec({ hidden: Array(10).fill(64), weightInit: { name: "normal", std: 0.01 } }));
    for (let l = 1; l < std.length; l++) expect(std[l]! / std[l - 1]!).toBeLessThan(0.2);
    expect(std[9]! / std[0]!).toBeLessThan(1e-6);
    const trace = train(spec({ hidden: Array(10).fill(64), weightInit: { name: "normal", std: 0.01 } }, { epochs: 3 }));
    const kinds = trace.summary.diagnoses.map((d) => d.kind);
    expect(kinds).toContain("vanishing_gradients");
    expect(kinds).toContain("collapsed_at_init");
  });

  it("large weights saturate most units of wide tanh layers", () => {
    const trace = train(spec({ hidden: [256, 256, 256], weightInit: { name: "normal", std: 1 } }, { epochs: 1 }));
    const layers = trace.epochs[0]!.layers;
    expect(layers[1]!.saturatedFraction).toBeGreaterThan(0.7);
    expect(layers[2]!.saturatedFraction).toBeGreaterThan(0.7);
    expect(trace.summary.diagnoses.map((d) => d.kind)).toContain("saturation");
    const xavier = train(spec({ hidden: [256, 256, 256], weightInit: "xavier_normal" }, { epochs: 1 }));
    expect(xavier.epochs[0]!.layers[2]!.saturatedFraction).toBeLessThan(0.1);
  });

  it("He keeps ReLU activations at scale through 10 layers while Xavier shrinks them", () => {
    const he = stdByLayer(spec({ hidden: Array(10).fill(128), activation: "relu", weightInit: "he_normal" }));
    const xavier = stdByLayer(spec({ hidden: Array(10).fill(128), activation: "relu", weightInit: "xavier_normal" }));
    expect(he[9]! / he[0]!).toBeGreaterThan(0.4);
    expect(he[9]! / he[0]!).toBeLessThan(2.5);
    expect(xavier[9]! / xavier[0]!).toBeLessThan(0.1);
  });

  it("ReLUs whose inputs are always negative die, and LeakyReLUs do not", () => {
    const dead = train(spec({ activation: "relu", weightInit: "he_normal", biasInit: { name: "constant", value: -5 } }, { epochs: 3 }));
    expect(dead.epochs[0]!.layers[0]!.deadFraction).toBeGreaterThan(0.9);
    expect(dead.summary.diagnoses.map((d) => d.kind)).toContain("dead_units");
    const leaky = train(spec({ activation: "leaky_relu", weightInit: "he_normal", biasInit: { name: "constant", value: -5 } }, { epochs: 3 }));
    expect(leaky.epochs[0]!.layers[0]!.deadFraction).toBe(0);
  });

  it("without a non-linearity, depth cannot beat a linear classifier on moons", () => {
    const linear = train(spec({ hidden: [2], activation: "identity" }, { epochs: 60, optimizer: { name: "adam", lr: 0.01 } }));
    const deep = train(spec({ hidden: [32, 32, 32], activation: "identity" }, { epochs: 60, optimizer: { name: "adam", lr: 0.01 } }));
    const tanh = train(spec({ hidden: [32, 32, 32], activation: "tanh" }, { epochs: 60, optimizer: { name: "adam", lr: 0.01 } }));
    expect(deep.summary.final.trainAccuracy).toBeLessThanOrEqual(linear.summary.final.trainAccuracy! + 0.01);
    expect(deep.summary.final.trainAccuracy).toBeLessThan(0.92);
    expect(tanh.summary.final.trainAccuracy).toBeGreaterThan(0.95);
  });

  it("a learning rate far too large diverges cleanly and says when", () => {
    // A deep linear net has no bounded activation to stop the blow-up (ReLUs would just die).
    const trace = train(spec({ activation: "identity", weightInit: "he_normal" }, { epochs: 20, optimizer: { name: "sgd", lr: 1 } }));
    expect(trace.summary.status).toBe("diverged");
    expect(trace.summary.divergedAt).toBeGreaterThanOrEqual(1);
    expect(trace.summary.epochsRun).toBe(trace.summary.divergedAt);
    expect(trace.summary.diagnoses.map((d) => d.kind)).toContain("diverged");
    expect(() => JSON.stringify(trace)).not.toThrow();
  });

  it("a frozen network is diagnosed as not learning", () => {
    const trace = train(spec({ weightInit: "zeros", activation: "tanh" }, { epochs: 10 }));
    // tanh(0) = 0 passes nothing forward, so hidden weights get no gradient; only output biases move.
    expect(trace.summary.diagnoses.map((d) => d.kind)).toEqual(expect.arrayContaining(["not_learning", "collapsed_at_init", "symmetric_units"]));
  });
});

describe("datasets and optimizers", () => {
  it.each([
    [{ name: "circles" as const }, 0.9],
    [{ name: "spirals" as const, arms: 3, noise: 0.1 }, 0.7],
    [{ name: "blobs" as const, centers: 4, spread: 1 }, 0.9],
    [{ name: "xor" as const, noise: 0.05 }, 0.9],
  ])("%o is learnable", (dataset, accuracy) => {
    const trace = train(spec({ hidden: [32, 32] }, { epochs: 40, optimizer: { name: "adam", lr: 0.01 } }, { samples: 600, ...dataset }));
    expect(trace.summary.final.valAccuracy).toBeGreaterThan(accuracy);
  });

  it.each(["sgd", "momentum", "nesterov", "adam"] as const)("%s lowers the loss", (name) => {
    const trace = train(spec({}, { epochs: 10, optimizer: { name, lr: name === "adam" ? 0.01 : 0.05 } }));
    expect(trace.summary.final.trainLoss).toBeLessThan(0.7 * trace.epochs[0]!.trainLoss);
  });

  it("trains on inline points, full batch, without a validation split", () => {
    const features = Array.from({ length: 40 }, (_, i) => [i % 2, Math.floor(i / 2) % 2, i / 40]);
    const labels = features.map(([a, b]) => (a === b ? 0 : 1));
    const trace = train(
      spec(
        { hidden: [8] },
        { epochs: 200, batchSize: "full", optimizer: { name: "adam", lr: 0.05 } },
        { name: "points", features, labels, validationFraction: 0 },
      ),
    );
    expect(trace.summary.final.valLoss).toBeNull();
    expect(trace.summary.final.trainAccuracy).toBe(1);
  });
});

describe("Nesterov in both forms", () => {
  const lr = 0.1;
  const mu = 0.9;
  const fullBatch = (optimizer: RunSpecInput["training"]["optimizer"]) =>
    spec({ hidden: [6] }, { epochs: 2, batchSize: "full", shuffle: false, optimizer }, { name: "moons", samples: 64 });
  /** Parameters after each epoch (full batch: epoch k has taken k steps). */
  const history = (optimizer: RunSpecInput["training"]["optimizer"]) => {
    const run = new Run(fullBatch(optimizer));
    const after: Float64Array[] = [];
    const epochs = run.epochs();
    while (!epochs.next().done) after.push(run.parameters());
    return after;
  };
  const close = (actual: Float64Array, expected: ArrayLike<number>) => {
    const scale = Math.max(...Array.from(expected, Math.abs));
    for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-5 * scale);
  };
  const map = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

  it("match the definitions step by step: PyTorch θ ← θ − lr(g + μb), Sutskever θ ← θ − lr·b at a look-ahead gradient", () => {
    const [theta0, sgd1] = history({ name: "sgd", lr });
    const [, torch1, torch2] = history({ name: "nesterov", lr, momentum: mu });
    const [s0, s1, s2] = history({ name: "nesterov_sutskever", lr, momentum: mu });
    const n = theta0!.length;
    const g0 = map(n, (i) => (theta0![i]! - sgd1![i]!) / lr);
    // Step 1 from b = 0: PyTorch moves by lr(1 + μ)g₀, Sutskever (look-ahead = θ₀) by lr·g₀.
    close(s0!, theta0!);
    close(
      torch1!,
      map(n, (i) => theta0![i]! - lr * (1 + mu) * g0[i]!),
    );
    close(s1!, sgd1!);
    // Step 2: PyTorch's g₁ is taken at its θ₁, which is Sutskever's look-ahead θ₁ − lr·μ·b₁ with b₁ = g₀.
    close(
      torch1!,
      map(n, (i) => s1![i]! - lr * mu * g0[i]!),
    );
    const g1 = map(n, (i) => (torch1![i]! - torch2![i]! - lr * mu * mu * g0[i]!) / (lr * (1 + mu)));
    close(
      s2!,
      map(n, (i) => s1![i]! - lr * (mu * g0[i]! + g1[i]!)),
    );
  });

  it("take the same gradients but trace different parameters", () => {
    const torch = train(fullBatch({ name: "nesterov", lr, momentum: mu }));
    const sutskever = train(fullBatch({ name: "nesterov_sutskever", lr, momentum: mu }));
    for (const [a, b] of torch.epochs.map((e, k) => [e, sutskever.epochs[k]!] as const)) {
      a.layers.forEach((l, i) => expect(b.layers[i]!.gradNorm).toBeCloseTo(l.gradNorm, 5));
    }
    expect(sutskever.epochs[2]!.layers[0]!.weightNorm).not.toBeCloseTo(torch.epochs[2]!.layers[0]!.weightNorm, 4);
  });
});

describe("explicit splits and end-of-epoch training metrics", () => {
  const features = Array.from({ length: 48 }, (_, i) => [Math.cos(i), Math.sin(2 * i) + (i % 3)]);
  const labels = features.map(([a, b]) => (a! * b! > 0 ? 1 : 0));

  it("puts each row in the split it names, training rows first in the order given", () => {
    const split = features.map((_, i): "train" | "validation" => (i % 4 === 0 ? "validation" : "train"));
    const data = makeDataset(DatasetSpecSchema.parse({ name: "points", features, labels, split, standardize: false }));
    expect(data.train.n).toBe(36);
    expect(data.validation.n).toBe(12);
    expect(Array.from(data.validation.x.subarray(0, 4))).toEqual([...features[0]!, ...features[4]!]);
    expect(Array.from(data.train.y)).toEqual(labels.filter((_, i) => i % 4 !== 0));
  });

  it("rejects a split of the wrong length or without training rows, naming the field", () => {
    const bad = (split: string[]) => () => train(spec({}, {}, { name: "points", features, labels, split } as RunSpecInput["dataset"]));
    expect(bad(["train"])).toThrow(/dataset\.split: expected one split per row: 48 rows, 1 splits/);
    expect(bad(features.map(() => "validation"))).toThrow(/dataset\.split: expected at least one "train" row/);
    expect(bad(features.map(() => "test"))).toThrow(/dataset\.split\[0\]/);
  });

  it("measures training loss on the whole split with the weights each epoch ends with", () => {
    // Validation rows that copy the training rows: both passes see the same rows and the same weights.
    const split = [...features.map(() => "train" as const), ...features.map(() => "validation" as const)];
    const trace = train(
      spec(
        { hidden: [8] },
        { epochs: 6, batchSize: 8, optimizer: { name: "sgd", lr: 0.5 } },
        { name: "points", features: [...features, ...features], labels: [...labels, ...labels], split },
      ),
    );
    expect(trace.epochs[6]!.trainLoss).toBeLessThan(trace.epochs[0]!.trainLoss);
    for (const e of trace.epochs) {
      expect(e.trainLoss).toBeCloseTo(e.valLoss!, 5);
      expect(e.trainAccuracy).toBeCloseTo(e.valAccuracy!, 10);
    }
  });

  it("with trainMetrics running, reports the minibatches' mean: full batch, one step behind the epoch's end", () => {
    const input = spec({ hidden: [8] }, { epochs: 5, batchSize: "full", optimizer: { name: "sgd", lr: 0.5 } }, { name: "moons", samples: 200 });
    const end = train({ ...input, tracing: { trainMetrics: "epoch_end" } });
    const running = train({ ...input, tracing: { trainMetrics: "running" } });
    expect(running.epochs[0]!.trainLoss).toBe(end.epochs[0]!.trainLoss);
    for (let k = 1; k <= 5; k++) {
      expect(running.epochs[k]!.trainLoss).toBeCloseTo(end.epochs[k - 1]!.trainLoss, 5);
      expect(running.epochs[k]!.trainLoss).not.toBeCloseTo(end.epochs[k]!.trainLoss, 5);
      expect(running.epochs[k]!.valLoss).toBe(end.epochs[k]!.valLoss);
    }
  });
});
