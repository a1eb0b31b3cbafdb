import { createJsKernels } from "./js-kernels.ts";
import type { Kernels, KernelsName } from "./kernels.ts";
import { createWasmKernels } from "./wasm-kernels.ts";

export type { Heap, Kernels, KernelsName } from "./kernels.ts";
export { KERNELS_NAMES } from "./kernels.ts";
export { createJsKernels } from "./js-kernels.ts";

/** Kernels of the named kind over a fresh float32 heap of `size` elements. */
export function createKernels(name: KernelsName, size: number): Kernels {
  return name === "wasm" ? createWasmKernels(size) : createJsKernels(new Float32Array(size));
}
