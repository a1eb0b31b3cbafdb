import { create, globals } from "webgpu";

/** No WebGPU adapter could be had: the message says what was tried and what to install. */
export class NoGpuError extends Error {
  override name = "NoGpuError";
}

/** A WebGPU device and what its adapter says it is. */
export interface Gpu {
  device: GPUDevice;
  /** The adapter in words, e.g. "nvidia: NVIDIA H200" or "mesa: llvmpipe … (fallback)". */
  name: string;
  fallback: boolean;
}

// Dawn's GPU object must outlive every device made from it: collected early, the process later
// crashes (SIGSEGV) or hangs. Kept here for the life of the process.
let instance: GPU | undefined;

const HELP =
  "a GPU worker needs a WebGPU adapter: a GPU with its Vulkan driver (NVIDIA's, or Mesa's), or Mesa's CPU driver lavapipe " +
  "(Debian: apt-get install libvulkan1 mesa-vulkan-drivers, from bookworm-backports on Debian 12); " +
  "or train on the CPU with --device cpu";

/**
 * Opens the first WebGPU adapter (Dawn through the `webgpu` package) with the largest limits it
 * offers; throws NoGpuError, never hangs, when there is none within `timeoutMs`.
 */
export async function openGpu(timeoutMs = 20_000): Promise<Gpu> {
  Object.assign(globalThis, globals);
  instance ??= create([]);
  const gpu = instance;
  const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new NoGpuError(`${what} did not answer within ${timeoutMs} ms; ${HELP}`)), timeoutMs).unref()),
    ]);
  let adapter: GPUAdapter | null;
  try {
    adapter = await within(gpu.requestAdapter({ powerPreference: "high-performance" }), "requestAdapter");
  } catch (error) {
    if (error instanceof NoGpuError) throw error;
    throw new NoGpuError(`no WebGPU adapter (${(error as Error).message}); ${HELP}`);
  }
  if (!adapter) throw new NoGpuError(`no WebGPU adapter was found; ${HELP}`);
  const l = adapter.limits;
  const device = await within(
    adapter.requestDevice({
      requiredLimits: {
        maxStorageBuffersPerShaderStage: Math.min(16, l.maxStorageBuffersPerShaderStage),
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
      },
    }),
    "requestDevice",
  );
  const info = adapter.info;
  const fallback = info.isFallbackAdapter ?? false;
  const name = `${info.vendor || "unknown vendor"}: ${info.description || info.device || info.architecture || "GPU"}${fallback ? " (fallback adapter)" : ""}`;
  return { device, name, fallback };
}
