import { ACTIVATION_NAMES, parseRunSpec, train, type EpochRecord, type RunSpec, type RunSpecInput, type TraceSummary } from "@gradtrace/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openGpu, type Gpu } from "./device.ts";
import { GpuTrainer } from "./gpu-trainer.ts";
import { PackKernels, trainCollected, trainPack } from "./pack.ts";
import { parityGaps } from "./parity.ts";

let gpu: Gpu;
let kernels: PackKernels;
beforeAll(async () => {
  gpu = await openGpu();
  kernels = await PackKernels.create(gpu.device);
});
afterAll(() => gpu?.device.destroy());

/** Trains specs as one pack; per spec its streamed epochs and its summary. */
async function pack(specs: RunSpec[]): Promise<Array<{ epochs: EpochRecord[]; summary: TraceSummary }>> {
  return (await trainCollected(gpu, kernels, specs)).map(({ epochs, outcome }) => {
    if (outcome instanceof Error) throw outcome;
    return { epochs, summary: outcome };
  });
}

const spec = (
  over: Partial<{
    activation: string;
    init: RunSpecInput["model"]["weightInit"];
    hidden: number[];
    seed: number;
    epochs: number;
    optimizer: unknown;
    lr: number;
    dataset: string;
    batch: number;
    trainMetrics: "epoch_end" | "running";
  }>,
): RunSpec =>
  parseRunSpec({
    dataset: { name: over.dataset ?? "moons", samples: 300 },
    model: { hidden: over.hidden ?? [16, 16], activation: over.activation ?? "tanh", weightInit: over.init ?? "xavier_normal" },
    training: {
      epochs: over.epochs ?? 20,
      seed: over.seed ?? 3,
      batchSize: over.batch ?? 32,
      optimizer: over.optimizer ?? { name: "sgd", lr: over.lr ?? 0.05 },
    },
    tracing: { every: 1, trainMetrics: over.trainMetrics ?? "epoch_end" },
  });

describe("a pack on the GPU", () => {
  it("runs on a WebGPU adapter", () => {
    expect(gpu.name).toMatch(/\S/);
  });

  it.each([
    ["shallow", [16], 32],
    ["deep", Array(8).fill(16) as number[], 32],
    // Widths and minibatches (26, then 6; evaluation chunks 26, 26, 8) that the kernels' row blocks do not divide.
    ["irregular", [7, 13, 5], 26],
  ])("records the core's trace for every activation, %s, over 20 epochs, within the stated tolerance", async (_, hidden, batch) => {
    const specs = ACTIVATION_NAMES.map((activation, i) =>
      spec({ activation, hidden, batch, init: activation.includes("relu") ? "he_normal" : "xavier_normal", seed: i }),
    );
    const got = await pack(specs);
    specs.forEach((s, i) => {
      const core = train(s);
      expect(parityGaps(got[i]!.epochs, core.epochs), s.model.activation.name).toEqual([]);
      expect(got[i]!.summary.diagnoses.map((d) => d.kind)).toEqual(core.summary.diagnoses.map((d) => d.kind));
      expect(got[i]!.epochs).toHaveLength(21);
    });
  });

  it("trains each net with its own optimizer, learning rate and dataset, and stops a diverging one where the core does", async () => {
    const specs = [
      spec({ optimizer: { name: "adam", lr: 0.01 }, trainMetrics: "running" }),
      spec({ optimizer: { name: "nesterov", lr: 0.05 }, dataset: "circles" }),
      spec({ optimizer: { name: "nesterov_sutskever", lr: 0.05 }, dataset: "circles" }),
      spec({ optimizer: { name: "momentum", lr: 0.02 }, dataset: "xor", init: { name: "zeros" } }),
      spec({ activation: "identity", lr: 20, seed: 1 }),
    ];
    const got = await pack(specs);
    specs.forEach((s, i) => {
      const core = train(s);
      expect(parityGaps(got[i]!.epochs, core.epochs)).toEqual([]);
      expect(got[i]!.summary).toMatchObject({ status: core.summary.status, divergedAt: core.summary.divergedAt, epochsRun: core.summary.epochsRun });
    });
    expect(got[4]!.summary.status).toBe("diverged");
    expect(got[3]!.epochs.at(-1)!.layers[0]!.symmetry).toBe(1);
  });

  it("gives each of 64 mixed nets exactly the trace it gets trained alone", async () => {
    const inits = ["xavier_normal", "he_normal", { name: "normal", std: 0.01 }, { name: "normal", std: 1 }] as const;
    const specs = ACTIVATION_NAMES.slice(1, 9).flatMap((activation) =>
      inits.flatMap((init) => [0, 1].map((seed) => spec({ activation, init, seed, hidden: [8, 8], epochs: 5 }))),
    );
    expect(specs).toHaveLength(64);
    const together = await pack(specs);
    for (const [i, s] of specs.entries()) {
      const [alone] = await pack([s]);
      expect(together[i]).toEqual(alone);
    }
  });

  it("stops a net whose signal aborts, with the signal's reason, and trains the rest", async () => {
    const specs = [spec({ seed: 1 }), spec({ seed: 2 })];
    const controller = new AbortController();
    const seen: number[] = [];
    const outcomes = await trainPack(gpu, kernels, [
      {
        spec: specs[0]!,
        signal: controller.signal,
        sink: { layers: async () => {}, epoch: async (r) => void (r.epoch === 3 && controller.abort(new Error("cancelled"))) },
      },
      { spec: specs[1]!, signal: new AbortController().signal, sink: { layers: async () => {}, epoch: async (r) => void seen.push(r.epoch) } },
    ]);
    expect(outcomes[0]).toMatchObject({ message: "cancelled" });
    expect(outcomes[1]).toMatchObject({ status: "completed", epochsRun: 20 });
    expect(seen).toHaveLength(21);
  });

  it("lets a run aborted in a pack go at once, while the rest of its pack trains on", async () => {
    const trainer = await GpuTrainer.open({ pack: 2 });
    try {
      const controller = new AbortController();
      let keptEpochs = 0;
      let keptEpochsWhenLetGo = -1;
      const sink = (abortAt?: number) => ({
        layers: async () => {},
        epoch: async (r: EpochRecord) => {
          if (abortAt === undefined) keptEpochs++;
          if (r.epoch === abortAt) controller.abort(new Error("cancelled"));
        },
      });
      const [aborted, kept] = await Promise.allSettled([
        trainer.train(spec({ seed: 1, epochs: 60 }), sink(3), controller.signal).finally(() => (keptEpochsWhenLetGo = keptEpochs)),
        trainer.train(spec({ seed: 2, epochs: 60 }), sink(), new AbortController().signal),
      ]);
      expect(aborted).toMatchObject({ status: "rejected", reason: { message: "cancelled" } });
      expect(kept).toMatchObject({ status: "fulfilled", value: { status: "completed", epochsRun: 60 } });
      // Let go at its abort (epoch 3), not when the pack ended (the other run's 61 records).
      expect(keptEpochsWhenLetGo).toBeLessThanOrEqual(5);
    } finally {
      await trainer.close();
    }
  });

  it("stops within an epoch once every run of the pack is aborted, not at its end", async () => {
    // Long epochs: 4,000 minibatches of 4 rows.
    const long = (epochs: number) =>
      parseRunSpec({
        dataset: { name: "moons", samples: 20_000 },
        model: { hidden: [32, 32], activation: "tanh", weightInit: "xavier_normal" },
        training: { epochs, seed: 1, batchSize: 4, optimizer: { name: "sgd", lr: 0.01 } },
        tracing: { trainMetrics: "running" },
      });
    // How long one training epoch takes here: between the records of epochs 0 and 1.
    const at: number[] = [];
    await trainPack(gpu, kernels, [
      { spec: long(1), signal: new AbortController().signal, sink: { layers: async () => {}, epoch: async () => void at.push(performance.now()) } },
    ]);
    const epoch = at[1]! - at[0]!;
    const controller = new AbortController();
    let abortedAt = 0;
    const seen: number[] = [];
    const sink = {
      layers: async () => {},
      epoch: async (r: EpochRecord) => {
        seen.push(r.epoch);
        // A quarter into epoch 1, the pack's one run is cancelled.
        if (r.epoch === 0) setTimeout(() => ((abortedAt = performance.now()), controller.abort(new Error("cancelled"))), epoch / 4);
      },
    };
    const outcomes = await trainPack(gpu, kernels, [{ spec: long(3), signal: controller.signal, sink }]);
    const latency = performance.now() - abortedAt;
    expect(outcomes[0]).toMatchObject({ message: "cancelled" });
    expect(seen).toEqual([0]);
    expect(latency, `stopped ${latency.toFixed(0)} ms after the abort; an epoch takes ${epoch.toFixed(0)} ms`).toBeLessThan(epoch / 2);
  });
});
