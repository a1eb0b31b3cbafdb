export { NoGpuError, openGpu, type Gpu } from "./device.ts";
export { bytesPerNet, packKey, PackKernels, trainCollected, trainPack, type PackMember } from "./pack.ts";
export { GpuTrainer, MAX_PACK, type GpuTrainerOptions } from "./gpu-trainer.ts";
export { PARITY, parityGaps, worstDeviation } from "./parity.ts";
