import { train, type EpochRecord, type LayerInfo, type RunSpec } from "@gradtrace/core";
import { afterAll, describe, expect, it } from "vitest";
import { ThreadPool } from "./thread-pool.ts";

const spec = (seed: number, epochs = 5): RunSpec =>
  ({
    dataset: { name: "moons", samples: 200 },
    model: { hidden: [16, 16, 16], activation: "tanh", weightInit: "xavier_normal" },
    training: { epochs, seed, optimizer: { name: "sgd", lr: 0.1 } },
  }) as unknown as RunSpec;

const pool = new ThreadPool(2);
afterAll(() => pool.close());

/** Trains through the pool, collecting what the sink receives. */
async function viaPool(s: RunSpec, signal = new AbortController().signal) {
  const got: { layers: LayerInfo[]; epochs: EpochRecord[] } = { layers: [], epochs: [] };
  const summary = await pool.train(
    s,
    {
      layers: async (l) => void (got.layers = l),
      epoch: async (r) => void got.epochs.push(r),
    },
    signal,
  );
  return { ...got, summary };
}

describe("the CPU thread pool", () => {
  it("trains runs in threads, more than it has threads at once, each equal to the core's trace", async () => {
    const specs = [1, 2, 3, 4, 5].map((seed) => spec(seed));
    const traces = await Promise.all(specs.map((s) => viaPool(s)));
    traces.forEach((t, i) => {
      const core = train(specs[i]);
      expect(t.layers).toEqual(core.layers);
      expect(t.epochs).toEqual(core.epochs);
      expect(t.summary).toEqual(core.summary);
    });
  });

  it("stops a run between epochs when its signal aborts, and the thread trains the next run", async () => {
    const controller = new AbortController();
    const run = viaPool(spec(7, 5000), controller.signal);
    setTimeout(() => controller.abort("cancelled"), 200);
    const started = Date.now();
    await expect(run).rejects.toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(2000);
    const next = await viaPool(spec(8));
    expect(next.epochs).toHaveLength(6);
  });

  it("stops a run within an epoch: a cancel does not wait for a long epoch's end", async () => {
    // ~1.3e11 FLOPs an epoch (100,000 samples through 2 × 512): seconds on any CPU.
    const long = {
      ...spec(9, 3),
      dataset: { name: "moons", samples: 100_000 },
      model: { hidden: [512, 512], activation: "relu", weightInit: "he_normal" },
    } as unknown as RunSpec;
    const controller = new AbortController();
    const seen: EpochRecord[] = [];
    const run = pool.train(long, { layers: async () => {}, epoch: async (r) => void seen.push(r) }, controller.signal);
    await new Promise((r) => setTimeout(r, 500));
    const asked = Date.now();
    controller.abort("cancelled");
    await expect(run).rejects.toBe("cancelled");
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(seen).toEqual([]);
  });

  it("fails a run whose spec the core refuses, naming the field, and keeps working", async () => {
    const bad = { ...spec(9), model: { hidden: [8], activation: "nope", weightInit: "xavier_normal" } } as unknown as RunSpec;
    await expect(viaPool(bad)).rejects.toThrow(/model\.activation/);
    expect((await viaPool(spec(10))).summary.status).toBe("completed");
  });

  it("fails a run whose sink fails, with the sink's error", async () => {
    const failing = pool.train(
      spec(11, 200),
      { layers: async () => undefined, epoch: async () => Promise.reject(new Error("redis is gone")) },
      new AbortController().signal,
    );
    await expect(failing).rejects.toThrow("redis is gone");
  });
});
