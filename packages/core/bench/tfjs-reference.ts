// The same training workload in TensorFlow.js, as the benchmark's baseline: same data, same
// architecture, SGD on shuffled minibatches, per-layer weight-gradient norms every step and a
// validation pass every epoch.
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { makeDataset, parseRunSpec, Random, type RunSpecInput } from "../src/index.ts";

/** Selects a TF.js backend, single-threaded. */
export async function useBackend(name: "wasm" | "cpu"): Promise<void> {
  if (name === "wasm") setThreadsCount(1);
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} is not available`);
  await tf.ready();
}

const activations: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  leaky_relu: (x) => tf.leakyRelu(x, 0.01),
  tanh: (x) => tf.tanh(x),
  logistic: (x) => tf.sigmoid(x),
};

/** Trains `input` with TF.js on the current backend; returns the final training loss. */
export function trainTfjs(input: RunSpecInput): number {
  const spec = parseRunSpec(input);
  const data = makeDataset(spec.dataset);
  const act = activations[spec.model.activation.name];
  if (!act) throw new Error(`no TF.js reference for ${spec.model.activation.name}`);
  const widths = [data.dims, ...spec.model.hidden, data.classes];
  const rng = new Random(spec.training.seed, "tfjs");
  const weights = widths.slice(1).map((nout, l) => {
    const nin = widths[l]!;
    const std = Math.sqrt(2 / nin);
    return tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: nin * nout }, () => std * rng.normal()),
        [nin, nout],
      ),
    );
  });
  const biases = widths.slice(1).map((nout) => tf.variable(tf.zeros([nout])));
  const xTrain = tf.tensor2d(Float32Array.from(data.train.x), [data.train.n, data.dims]);
  const yTrain = tf.oneHot(tf.tensor1d(data.train.y, "int32"), data.classes).toFloat();
  const xVal = tf.tensor2d(Float32Array.from(data.validation.x), [data.validation.n, data.dims]);
  const yVal = tf.oneHot(tf.tensor1d(data.validation.y, "int32"), data.classes).toFloat();
  const lr = spec.training.optimizer.lr;
  const optimizer = tf.train.sgd(lr);
  const batch = spec.training.batchSize === "full" ? data.train.n : spec.training.batchSize;
  const normSums = weights.map(() => tf.variable(tf.scalar(0)));
  const forward = (x: tf.Tensor): tf.Tensor => {
    let h = x;
    for (let l = 0; l < weights.length; l++) {
      const z = tf.add(tf.matMul(h as tf.Tensor2D, weights[l]!), biases[l]!);
      h = l < weights.length - 1 ? act(z) : z;
    }
    return h;
  };
  const order = new Int32Array(data.train.n).map((_, i) => i);
  let loss = NaN;
  for (let epoch = 1; epoch <= spec.training.epochs; epoch++) {
    tf.util.shuffle(order);
    for (let from = 0; from < data.train.n; from += batch) {
      tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(from, Math.min(from + batch, data.train.n)), "int32");
        const xb = tf.gather(xTrain, idx);
        const yb = tf.gather(yTrain, idx);
        const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)) as tf.Scalar);
        weights.forEach((w, l) => normSums[l]!.assign(tf.add(normSums[l]!, tf.norm(grads[w.name]!))));
        optimizer.applyGradients(grads);
      });
    }
    loss = tf.tidy(() => (tf.losses.softmaxCrossEntropy(yVal, forward(xVal)) as tf.Scalar).dataSync()[0]!);
    for (const s of normSums) s.dataSync();
  }
  tf.dispose([...weights, ...biases, ...normSums, xTrain, yTrain, xVal, yVal]);
  optimizer.dispose();
  return loss;
}
