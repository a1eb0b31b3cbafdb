// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a global declaration file cannot be imported
/// <reference path="./webassembly.d.ts" />
import type { Kernels } from "./kernels.ts";
import { LIMITS } from "../limits.ts";
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.generated.ts";

interface KernelExports {
  dataEnd(): number;
  linearForward(x: number, wt: number, b: number, z: number, n: number, nin: number, nout: number): void;
  linearBackwardInput(dz: number, wt: number, dx: number, n: number, nin: number, nout: number, panel: number): void;
  linearBackwardParams(dz: number, x: number, dwt: number, db: number, n: number, nin: number, nout: number): number;
  activationForward(code: number, alpha: number, z: number, h: number, count: number): void;
  activationBackward(code: number, alpha: number, z: number, h: number, d: number, count: number): void;
  observeHidden(
    z: number,
    h: number,
    d: number,
    n: number,
    units: number,
    lo: number,
    scale: number,
    inverseThreshold: number,
    zLo: number,
    zScale: number,
    zInverseThreshold: number,
    bins: number,
    satLow: number,
    satHigh: number,
    zShift: number,
    hShift: number,
    out: number,
  ): void;
  weightChange(w: number, w0: number, count: number, out: number): void;
  sgd(p: number, g: number, count: number, lr: number): void;
  momentum(p: number, g: number, v: number, count: number, lr: number, mu: number, nesterov: number): void;
  adam(p: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void;
}

const PAGE = 65536;
/** The heap starts after the first page, which holds the module's static data and the statistics area. */
const HEAP_BASE = PAGE;
/**
 * Where observeHidden leaves its results: 6 f64 sums, i32 histogram bins of h and of z, i32 live
 * flags, then eight scratch histograms (at most 48 + 8·200 + 4·4096 + 32·200 bytes), above the
 * module's math tables, which start at 1024.
 */
const STATS_AREA = 32768;
/** Bytes of the panel linearBackwardInput packs eight inputs' weights into: out × 8 floats for the widest layer. */
const PANEL_BYTES = 32 * Math.max(LIMITS.maxWidth, LIMITS.maxClasses);

let compiled: WebAssembly.Module | undefined;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, "base64"));
  return compiled;
}

/**
 * The WebAssembly SIMD kernels over a float32 heap of `size` elements in a memory of their own,
 * so several runs can train side by side in one thread.
 */
export function createWasmKernels(size: number): Kernels {
  // The panel lies after the heap, in the kernels' own memory.
  const panel = HEAP_BASE + Math.ceil(size / 4) * 16;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((panel + PANEL_BYTES) / PAGE) });
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  const k = instance.exports as unknown as KernelExports;
  if (k.dataEnd() > STATS_AREA) throw new Error(`wasm kernels: static data ends at ${k.dataEnd()}, above the statistics area`);
  const heap = new Float32Array(memory.buffer, HEAP_BASE, size);
  const at = (index: number): number => HEAP_BASE + index * 4;
  const statsSums = new Float64Array(memory.buffer, STATS_AREA, 6);
  const observeHidden: Kernels["observeHidden"] = (z, h, d, n, stats) => {
    const { units, histogram, zHistogram, live, sums, shift, binning, zBinning } = stats;
    const bins = histogram.length;
    const [satLow, satHigh] = stats.saturation ?? [-Infinity, Infinity];
    const statsHistograms = new Int32Array(memory.buffer, STATS_AREA + 48, 2 * bins);
    const statsLive = new Int32Array(memory.buffer, STATS_AREA + 48 + 8 * bins, units);
    statsSums.fill(0);
    statsHistograms.fill(0);
    statsLive.fill(0);
    k.observeHidden(
      at(z),
      at(h),
      at(d),
      n,
      units,
      binning.low,
      binning.scale,
      binning.inverseThreshold,
      zBinning.low,
      zBinning.scale,
      zBinning.inverseThreshold,
      bins,
      satLow,
      satHigh,
      shift[0]!,
      shift[1]!,
      STATS_AREA,
    );
    for (let i = 0; i < 6; i++) sums[i]! += statsSums[i]!;
    for (let b = 0; b < bins; b++) {
      histogram[b]! += statsHistograms[b]!;
      zHistogram[b]! += statsHistograms[bins + b]!;
    }
    for (let u = 0; u < units; u++) if (statsLive[u] !== 0) live[u] = 1;
    stats.count += n * units;
  };
  return {
    name: "wasm",
    heap,
    linearForward: (x, wt, b, z, n, nin, nout) => k.linearForward(at(x), at(wt), at(b), at(z), n, nin, nout),
    linearBackwardInput: (dz, wt, dx, n, nin, nout) => k.linearBackwardInput(at(dz), at(wt), at(dx), n, nin, nout, panel),
    linearBackwardParams: (dz, x, dwt, db, n, nin, nout) => k.linearBackwardParams(at(dz), at(x), at(dwt), at(db), n, nin, nout),
    activationForward: (activation, z, h, count) => k.activationForward(activation.code, activation.alpha, at(z), at(h), count),
    activationBackward: (activation, z, h, d, count) => k.activationBackward(activation.code, activation.alpha, at(z), at(h), at(d), count),
    observeHidden,
    weightChange: (w, w0, count, out) => {
      k.weightChange(at(w), at(w0), count, STATS_AREA);
      out.set(statsSums.subarray(0, 4));
    },
    sgd: (p, g, count, lr) => k.sgd(at(p), at(g), count, lr),
    momentum: (p, g, v, count, lr, mu, nesterov) => k.momentum(at(p), at(g), at(v), count, lr, mu, nesterov ? 1 : 0),
    adam: (p, g, m, v, count, lr, beta1, beta2, epsilon, step) =>
      k.adam(at(p), at(g), at(m), at(v), count, lr, beta1, beta2, epsilon, 1 - beta1 ** step, 1 - beta2 ** step),
  };
}
