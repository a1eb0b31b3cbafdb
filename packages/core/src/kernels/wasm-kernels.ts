// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a global declaration file cannot be imported
/// <reference path="./webassembly.d.ts" />
import type { Activation } from "../activations/activation.ts";
import type { Kernels } from "./kernels.ts";
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.generated.ts";

interface KernelExports {
  linearForward(x: number, wt: number, b: number, z: number, n: number, nin: number, nout: number): void;
  linearBackwardInput(dz: number, wt: number, dx: number, n: number, nin: number, nout: number): void;
  linearBackwardParams(dz: number, x: number, dwt: number, db: number, n: number, nin: number, nout: number): number;
  activationForward(code: number, alpha: number, z: number, h: number, count: number): void;
  activationBackward(code: number, alpha: number, z: number, h: number, d: number, count: number): void;
  sgd(p: number, g: number, count: number, lr: number): void;
  momentum(p: number, g: number, v: number, count: number, lr: number, mu: number, nesterov: number): void;
  adam(p: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void;
}

/** The numbers assembly/activations.ts knows each activation by. */
const ACTIVATION_CODES: Record<string, number> = {
  identity: 0,
  logistic: 1,
  tanh: 2,
  relu: 3,
  leaky_relu: 4,
  elu: 5,
  selu: 6,
  gelu: 7,
  silu: 8,
  softplus: 9,
};

function activationCode(activation: Activation): number {
  const code = ACTIVATION_CODES[activation.name];
  if (code === undefined) throw new Error(`no wasm kernel for activation ${activation.name}`);
  return code;
}

const PAGE = 65536;
/** The heap starts after the first page, which the module may use for its own data. */
const HEAP_BASE = PAGE;

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
  const memory = new WebAssembly.Memory({ initial: Math.ceil((HEAP_BASE + size * 4) / PAGE) });
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  const k = instance.exports as unknown as KernelExports;
  const heap = new Float32Array(memory.buffer, HEAP_BASE, size);
  const at = (index: number): number => HEAP_BASE + index * 4;
  return {
    name: "wasm",
    heap,
    linearForward: (x, wt, b, z, n, nin, nout) => k.linearForward(at(x), at(wt), at(b), at(z), n, nin, nout),
    linearBackwardInput: (dz, wt, dx, n, nin, nout) => k.linearBackwardInput(at(dz), at(wt), at(dx), n, nin, nout),
    linearBackwardParams: (dz, x, dwt, db, n, nin, nout) => k.linearBackwardParams(at(dz), at(x), at(dwt), at(db), n, nin, nout),
    activationForward: (activation, z, h, count) => k.activationForward(activationCode(activation), activation.alpha, at(z), at(h), count),
    activationBackward: (activation, z, h, d, count) =>
      k.activationBackward(activationCode(activation), activation.alpha, at(z), at(h), at(d), count),
    sgd: (p, g, count, lr) => k.sgd(at(p), at(g), count, lr),
    momentum: (p, g, v, count, lr, mu, nesterov) => k.momentum(at(p), at(g), at(v), count, lr, mu, nesterov ? 1 : 0),
    adam: (p, g, m, v, count, lr, beta1, beta2, epsilon, step) =>
      k.adam(at(p), at(g), at(m), at(v), count, lr, beta1, beta2, epsilon, 1 - beta1 ** step, 1 - beta2 ** step),
  };
}
