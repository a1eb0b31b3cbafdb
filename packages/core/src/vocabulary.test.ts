import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, expectTypeOf, it } from "vitest";
import { train } from "./train.ts";
import {
  DATASET_NAMES,
  EPOCH_SCALARS,
  gradientRatio,
  OPTIMIZER_NAMES,
  isTracedEpoch,
  LAYER_METRICS,
  RUN_AXES,
  runAxisValues,
  parseRunSpec,
  type DatasetSpec,
  type EpochRecord,
  type OptimizerSpec,
  type EpochScalar,
  type LayerMetric,
  type LayerRecord,
  type RunAxis,
  type RunAxisValues,
} from "./vocabulary.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** The files a module imports, followed through relative imports (type-only ones included). */
function closure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const [, spec] of readFileSync(entry, "utf8").matchAll(/^(?:import|export)[^;]*?from "([^"]+)";/gms)) {
    if (spec!.startsWith(".")) closure(resolve(dirname(entry), spec!), seen);
    else seen.add(spec!);
  }
  return seen;
}

describe("the vocabulary", () => {
  it("names every per-layer metric and epoch scalar of a trace", () => {
    expectTypeOf<Exclude<keyof LayerRecord, "histogram" | "preActivationHistogram">>().toEqualTypeOf<LayerMetric>();
    expectTypeOf<Exclude<keyof EpochRecord, "epoch" | "layers">>().toEqualTypeOf<EpochScalar>();
    expectTypeOf<keyof RunAxisValues>().toEqualTypeOf<RunAxis>();
    // The name lists beside the dataset and optimizer schemas name exactly what the schemas accept.
    expectTypeOf<(typeof DATASET_NAMES)[number]>().toEqualTypeOf<DatasetSpec["name"]>();
    expectTypeOf<(typeof OPTIMIZER_NAMES)[number]>().toEqualTypeOf<OptimizerSpec["name"]>();
    const trace = train({
      dataset: { name: "moons", samples: 100 },
      model: { hidden: [4], activation: "tanh", weightInit: "xavier_normal" },
      training: { epochs: 1 },
    });
    expect(Object.keys(trace.epochs[0]!.layers[0]!).sort()).toEqual([...LAYER_METRICS, "histogram", "preActivationHistogram"].sort());
    expect(Object.keys(trace.epochs[0]!).sort()).toEqual([...EPOCH_SCALARS, "epoch", "layers"].sort());
  });

  it("places a run on every axis", () => {
    const spec = parseRunSpec({
      dataset: { name: "moons", noise: 0.3 },
      model: { hidden: [8, 16], activation: { name: "leaky_relu", alpha: 0.2 }, weightInit: { name: "normal", std: 0.1 } },
      training: { epochs: 1, seed: 7, optimizer: { name: "adam", lr: 0.01 } },
    });
    const values = runAxisValues(spec);
    expect(Object.keys(values)).toEqual([...RUN_AXES]);
    expect(values).toEqual({
      activation: "leaky_relu(alpha=0.2)",
      initializer: "normal(0.1)",
      depth: 2,
      width: 16,
      optimizer: "adam",
      learningRate: 0.01,
      dataset: "moons(noise=0.3)",
      seed: 7,
    });
  });

  it("traces epoch 0, every k-th and the last", () => {
    expect([...Array(12).keys()].filter((e) => isTracedEpoch(e, 10, 4))).toEqual([0, 4, 8, 10]);
    expect(gradientRatio([{ gradNorm: 1e-4 }, { gradNorm: 2 }, { gradNorm: 0.1 }])).toBeCloseTo(1e-3, 15);
    expect(gradientRatio([{ gradNorm: 1 }, { gradNorm: 0 }])).toBeNull();
  });

  it("imports nothing a browser lacks: no Node module, no kernel, no other package but zod", () => {
    const files = closure(resolve(here, "vocabulary.ts"));
    const packages = [...files].filter((f) => !f.startsWith("/"));
    expect(packages).toEqual(["zod"]);
    const local = [...files].filter((f) => f.startsWith("/")).map((f) => f.slice(here.length + 1));
    for (const file of local) {
      const source = readFileSync(resolve(here, file), "utf8");
      const runtimeImports = [...source.matchAll(/^import (?!type)[^;]*?from "([^"]+)";/gms)].map((m) => m[1]);
      expect(
        runtimeImports.filter((s) => s!.includes("kernels") || s!.includes("train") || s!.includes("network")),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\bBuffer\.|WebAssembly\.|process\./);
    }
  });
});
