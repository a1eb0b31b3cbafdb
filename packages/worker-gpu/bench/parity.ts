// npm run parity -w @gradtrace/worker-gpu: how far GPU traces stray from the core's — every
// activation, a shallow and a deep shape, SGD and Adam, 20 epochs — as the largest deviation
// |gpu − core| / (|core| + 1e-3) over every scalar of the trace; beside it, as the yardstick, how
// far the core's own two kernel sets (js, float64 sums; wasm, float32 SIMD) stray from each other.
import { ACTIVATION_NAMES, parseRunSpec, train, type RunSpec } from "@gradtrace/core";
import { openGpu, PackKernels, trainCollected, worstDeviation } from "../src/index.ts";

const gpu = await openGpu();
const kernels = await PackKernels.create(gpu.device);
console.log(`adapter: ${gpu.name}`);
for (const optimizer of [
  { name: "sgd", lr: 0.05 },
  { name: "adam", lr: 0.01 },
]) {
  for (const hidden of [[16], Array(8).fill(16)]) {
    const specs: RunSpec[] = ACTIVATION_NAMES.map((activation, seed) =>
      parseRunSpec({
        dataset: { name: "moons", samples: 300 },
        model: { hidden, activation, weightInit: activation.includes("relu") ? "he_normal" : "xavier_normal" },
        training: { epochs: 20, seed, batchSize: 32, optimizer },
      }),
    );
    const epochs = (await trainCollected(gpu, kernels, specs)).map((r) => r.epochs);
    const summary = (deviations: Array<{ activation: string; deviation: number; where: string }>) => {
      const sorted = [...deviations].sort((a, b) => b.deviation - a.deviation);
      return `worst ${sorted[0]!.deviation.toExponential(2)} (${sorted[0]!.activation}, ${sorted[0]!.where}), median ${sorted[sorted.length >> 1]!.deviation.toExponential(2)}`;
    };
    const core = specs.map((spec) => train(spec).epochs);
    const onGpu = specs.map((_, i) => ({ activation: ACTIVATION_NAMES[i]!, ...worstDeviation(epochs[i]!, core[i]!) }));
    const jsKernels = specs.map((spec, i) => ({ activation: ACTIVATION_NAMES[i]!, ...worstDeviation(train(spec, { kernels: "js" }).epochs, core[i]!) }));
    console.log(`  ${optimizer.name} ${hidden.length}×16\n    GPU vs core:         ${summary(onGpu)}\n    core js vs wasm:     ${summary(jsKernels)}`);
  }
}
gpu.device.destroy();
process.exit(0);
