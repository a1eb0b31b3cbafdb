import { KERNELS } from "./kernels.wgsl.ts";

const KERNEL_NAMES = [
  "gather",
  "forward",
  "softmax_loss",
  "reduce_rows",
  "backward_params",
  "backward_input",
  "grad_norms",
  "look_ahead",
  "optimize",
  "observe",
  "norms",
  "pairs",
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
/** Selects a kernel (and the layer its uniforms describe) for the next dispatch. */
export type Use = (name: KernelName, layer?: number) => void;

/** The compiled kernels of one device, shared by every pack on it. */
export class PackKernels {
  readonly group0: GPUBindGroupLayout;
  readonly group1: GPUBindGroupLayout;
  readonly pipelines: Record<KernelName, GPUComputePipeline>;

  /** Compiles the kernels; a shader the device refuses is an error with the compiler's messages. */
  static async create(device: GPUDevice): Promise<PackKernels> {
    device.pushErrorScope("validation");
    const kernels = new PackKernels(device);
    const error = await device.popErrorScope();
    if (error) throw new Error(`the GPU kernels did not compile: ${error.message}`);
    return kernels;
  }

  private constructor(readonly device: GPUDevice) {
    const storage = (binding: number, readOnly: boolean): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: readOnly ? "read-only-storage" : "storage" },
    });
    const uniform = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } });
    this.group0 = device.createBindGroupLayout({
      entries: [
        uniform(0),
        uniform(1),
        storage(2, true),
        storage(3, false),
        storage(4, false),
        storage(5, false),
        storage(6, true),
        storage(7, false),
        storage(8, false),
        storage(9, true),
      ],
    });
    this.group1 = device.createBindGroupLayout({ entries: [uniform(0)] });
    const layout = device.createPipelineLayout({ bindGroupLayouts: [this.group0, this.group1] });
    const module = device.createShaderModule({ code: KERNELS });
    this.pipelines = Object.fromEntries(
      KERNEL_NAMES.map((entryPoint) => [entryPoint, device.createComputePipeline({ layout, compute: { module, entryPoint } })]),
    ) as PackKernels["pipelines"];
  }
}
