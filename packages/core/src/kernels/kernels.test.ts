import { describe, expect, it } from "vitest";
import { createActivation } from "../activations/index.ts";
import { binning } from "../histogram.ts";
import { LayerStats, SUM } from "../layer-stats.ts";
import { Random } from "../random.ts";
import { ACTIVATION_NAMES, ActivationSpecSchema } from "../spec.ts";
import { createJsKernels } from "./js-kernels.ts";
import type { Kernels } from "./kernels.ts";
import { createWasmKernels } from "./wasm-kernels.ts";

const SIZE = 40_000;

/** The same random heap under both kernel sets. */
function pair(seed: number): [Kernels, Kernels] {
  const wasm = createWasmKernels(SIZE);
  const rng = new Random(seed, "kernels");
  for (let i = 0; i < SIZE; i++) wasm.heap[i] = rng.normal();
  const js = createJsKernels(Float32Array.from(wasm.heap));
  return [wasm, js];
}

function expectClose(a: Kernels, b: Kernels, from: number, count: number): void {
  let worst = 0;
  for (let i = from; i < from + count; i++) worst = Math.max(worst, Math.abs(a.heap[i]! - b.heap[i]!) / (1 + Math.abs(b.heap[i]!)));
  expect(worst).toBeLessThan(2e-5);
}

// Shapes hit the SIMD tiles, their edges (rows not a multiple of 4, widths not of 8) and tiny layers.
const shapes = [
  [32, 64, 64],
  [7, 5, 11],
  [1, 1, 1],
  [13, 2, 64],
  [32, 64, 2],
  [9, 17, 9],
  [8, 6, 3],
  [12, 64, 1],
  [4, 3, 10],
  [5, 16, 6],
  [35, 72, 66],
] as const;

describe.each(shapes)("wasm kernels at n=%i, in=%i, out=%i", (n, nin, nout) => {
  const [x, wt, b, z, dz, dx] = [0, 5000, 10_000, 12_000, 20_000, 30_000];

  it("compute the forward pass of the reference", () => {
    const [wasm, js] = pair(n * 1000 + nin);
    wasm.linearForward(x, wt, b, z, n, nin, nout);
    js.linearForward(x, wt, b, z, n, nin, nout);
    expectClose(wasm, js, z, n * nout);
  });

  it("compute input gradients of the reference", () => {
    const [wasm, js] = pair(n * 1000 + nout);
    wasm.linearBackwardInput(dz, wt, dx, n, nin, nout);
    js.linearBackwardInput(dz, wt, dx, n, nin, nout);
    expectClose(wasm, js, dx, n * nin);
  });

  it("compute parameter gradients and their squared norm as the reference", () => {
    const [wasm, js] = pair(n + nin + nout);
    const a = wasm.linearBackwardParams(dz, x, wt, b, n, nin, nout);
    const r = js.linearBackwardParams(dz, x, wt, b, n, nin, nout);
    expectClose(wasm, js, wt, nin * nout);
    expectClose(wasm, js, b, nout);
    expect(Math.abs(a - r) / r).toBeLessThan(1e-5);
  });
});

describe("wasm optimizer steps", () => {
  const [p, g, m, v, count] = [0, 1000, 2000, 3000, 998];
  it.each([
    ["sgd", (k: Kernels) => k.sgd(p, g, count, 0.1)],
    ["momentum", (k: Kernels) => k.momentum(p, g, m, count, 0.1, 0.9, false)],
    ["nesterov", (k: Kernels) => k.momentum(p, g, m, count, 0.1, 0.9, true)],
    ["adam", (k: Kernels) => k.adam(p, g, m, v, count, 0.01, 0.9, 0.999, 1e-8, 3)],
  ])("%s matches the reference", (_name, step) => {
    const [wasm, js] = pair(11);
    // Adam's second moment must be non-negative, as it always is in training.
    for (const k of [wasm, js]) for (let i = v; i < v + count; i++) k.heap[i] = Math.abs(k.heap[i]!);
    for (let t = 0; t < 3; t++) {
      step(wasm);
      step(js);
    }
    expectClose(wasm, js, p, count);
    expectClose(wasm, js, m, count);
  });
});

describe("wasm weight change", () => {
  it.each([4096, 1001, 3])("matches the reference over %i weights, NaN included", (count) => {
    const [wasm, js] = pair(29);
    const [w, w0] = [0, 5000];
    const sums = [wasm, js].map((k) => {
      k.heap.copyWithin(w0, w, w + count);
      for (let i = 0; i < count; i++) k.heap[w + i]! += 0.01 * Math.sin(i);
      const out = new Float64Array(4);
      k.weightChange(w, w0, count, out);
      return out;
    });
    const [a, b] = sums as [Float64Array, Float64Array];
    for (let i = 0; i < 3; i++) expect(a[i]! / b[i]!).toBeCloseTo(1, 9);
    expect(a[3]).toBe(b[3]);
    // A moved weight shows in the change; a NaN weight makes the norms NaN, not a number.
    expect(a[1]).toBeGreaterThan(0);
    wasm.heap[w + count - 1] = NaN;
    wasm.weightChange(w, w0, count, a);
    expect(a[0]).toBeNaN();
    expect(a[2]! / b[2]!).toBeCloseTo(1, 9);
  });
});

describe.each(ACTIVATION_NAMES)("wasm %s kernels", (name) => {
  const activation = createActivation(name === "leaky_relu" ? { name, alpha: 0.1 } : ActivationSpecSchema.parse(name));
  // 1001 elements: four-lane loops and their scalar tails; inputs span both tails of every function.
  const [z, h, d, count] = [0, 2000, 4000, 1001];
  const setUp = (): [Kernels, Kernels] => {
    const [wasm, js] = pair(17);
    for (const k of [wasm, js]) for (let i = 0; i < count; i++) k.heap[z + i] = (i - 500) / 40;
    return [wasm, js];
  };

  it("compute f(z) as the reference", () => {
    const [wasm, js] = setUp();
    wasm.activationForward(activation, z, h, count);
    js.activationForward(activation, z, h, count);
    expectClose(wasm, js, h, count);
  });

  it("multiply gradients by f′(z) as the reference", () => {
    const [wasm, js] = setUp();
    for (const k of [wasm, js]) {
      k.activationForward(activation, z, h, count);
      k.activationBackward(activation, z, h, d, count);
    }
    expectClose(wasm, js, d, count);
  });
});

describe("wasm probe statistics", () => {
  it.each([
    [64, undefined, "linear"],
    [13, [-0.99, 0.99] as const, "linear"],
    [64, undefined, "symlog"],
    [13, [-0.99, 0.99] as const, "symlog"],
  ] as const)("match the reference for %i units (saturation %j, %s bins), NaN and out-of-range values included", (units, saturation, scale) => {
    const [wasm, js] = pair(23);
    const [z, h, d, n] = [0, 5000, 10_000, 37];
    for (const k of [wasm, js]) {
      for (let i = 0; i < n * units; i++) {
        k.heap[z + i] = Math.sin(i) * (i % 11 === 0 ? 1e-3 : 3);
        // Out-of-range values, and small ones that only symlog bins tell apart.
        k.heap[h + i] = Math.tanh(k.heap[z + i]!) * (i % 7 === 0 ? 5 : i % 5 === 0 ? 1e-4 : 1);
        k.heap[d + i] = i % units === 3 ? 0 : k.heap[h + i]! > 0 ? 1 : 0;
      }
      k.heap[h + 5 * units + 2] = NaN;
      k.heap[z + 9 * units + 1] = Infinity;
    }
    const stats = [wasm, js].map((k) => {
      // z's range leaves some of it out, to clamp.
      const s = new LayerStats(units, binning(16, [-1, 1], scale), binning(16, [-2.5, 2.5], scale), saturation);
      s.reset();
      s.setShift(k.heap, z, h);
      // Two calls: the statistics accumulate across chunks of the probe set.
      k.observeHidden(z, h, d, 20, s);
      k.observeHidden(z + 20 * units, h + 20 * units, d + 20 * units, n - 20, s);
      return s;
    });
    const [a, b] = stats as [LayerStats, LayerStats];
    expect(a.histogram).toEqual(b.histogram);
    expect(a.zHistogram).toEqual(b.zHistogram);
    expect(a.zHistogram.filter((c) => c > 0).length).toBeGreaterThanOrEqual(8);
    expect(a.zHistogram.reduce((x, y) => x + y)).toBe(n * units - 2);
    expect(a.live).toEqual(b.live);
    expect(a.count).toBe(b.count);
    expect(a.sums[SUM.nonFinite]).toBe(2);
    expect(a.sums[SUM.saturated]).toBe(b.sums[SUM.saturated]);
    for (const i of [SUM.z, SUM.zSquares, SUM.h, SUM.hSquares]) expect(a.sums[i]! / b.sums[i]!).toBeCloseTo(1, 5);
    expect(a.live[3]).toBe(0);
    expect(a.saturatedFraction()).toBe(saturation ? b.saturatedFraction() : null);
  });
});
