import { describe, expect, it } from "vitest";
import { createActivation } from "./activations/index.ts";
import { createJsKernels } from "./kernels/js-kernels.ts";
import { Network, planNetwork } from "./network.ts";
import { Random } from "./random.ts";
import { ACTIVATION_NAMES, ActivationSpecSchema } from "./spec.ts";

/** A float64 network with random parameters and inputs: the gradient check's subject. */
function setUp(activationName: string, seed: number) {
  const shape = { dims: 3, hidden: [5, 4, 6], classes: 3, rows: 7 };
  const layout = planNetwork(shape);
  const kernels = createJsKernels(new Float64Array(layout.size));
  const net = new Network(layout, kernels, createActivation(ActivationSpecSchema.parse(activationName)));
  const rng = new Random(seed, "gradcheck");
  const heap = kernels.heap;
  for (const l of layout.layers) {
    for (let i = 0; i < l.nin * l.nout; i++) heap[l.wt + i] = 0.8 * rng.normal();
    for (let i = 0; i < l.nout; i++) heap[l.b + i] = 0.3 * rng.normal();
  }
  for (let i = 0; i < shape.rows * shape.dims; i++) heap[layout.x + i] = rng.normal();
  const labels = Int32Array.from({ length: shape.rows }, (_, i) => i % shape.classes);
  const loss = (): number => {
    net.forward(shape.rows);
    net.loss(labels, 0, shape.rows, false);
    return net.lossSum / shape.rows;
  };
  return { shape, layout, net, heap, labels, loss };
}

describe.each(ACTIVATION_NAMES)("the whole network with %s", (name) => {
  it("backpropagates the gradient that float64 central differences measure", () => {
    const { shape, layout, net, heap, labels, loss } = setUp(name, 3);
    // Kinks (ReLU at 0) make differences meaningless there: the check needs every z away from 0.
    net.forward(shape.rows);
    for (const l of layout.layers.slice(0, -1)) {
      for (let i = 0; i < shape.rows * l.nout; i++) expect(Math.abs(heap[l.z + i]!)).toBeGreaterThan(1e-3);
    }
    net.loss(labels, 0, shape.rows, true);
    net.backward(shape.rows);
    const analytic = heap.slice(layout.grads, layout.grads + layout.blockSize);
    const h = 1e-6;
    let worst = 0;
    for (let p = 0; p < layout.blockSize; p++) {
      const saved = heap[p]!;
      heap[p] = saved + h;
      const plus = loss();
      heap[p] = saved - h;
      const minus = loss();
      heap[p] = saved;
      const numeric = (plus - minus) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[p]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[p]!)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it("reports ‖dW‖² and ‖db‖² per layer of the gradient it wrote", () => {
    const { shape, layout, net, heap, labels } = setUp(name, 5);
    net.forward(shape.rows);
    net.loss(labels, 0, shape.rows, true);
    net.backward(shape.rows);
    layout.layers.forEach((l, i) => {
      let w = 0;
      for (let j = 0; j < l.nin * l.nout; j++) w += heap[l.gwt + j]! ** 2;
      let b = 0;
      for (let j = 0; j < l.nout; j++) b += heap[l.gb + j]! ** 2;
      expect(net.weightGradSquares[i]).toBeCloseTo(w, 12);
      expect(net.biasGradSquares[i]).toBeCloseTo(b, 12);
    });
  });
});

describe("the loss", () => {
  it("is the mean cross-entropy of the softmax, computed without overflow", () => {
    const { shape, layout, net, heap, labels } = setUp("tanh", 1);
    const out = layout.layers[layout.layers.length - 1]!;
    for (let i = 0; i < out.nout; i++) heap[out.b + i] = i === 0 ? 1000 : 0;
    net.forward(shape.rows);
    net.loss(labels, 0, shape.rows, false);
    expect(Number.isFinite(net.lossSum)).toBe(true);
    // Class 0 wins every row by ~1000 logits: rows labelled 0 are right, the others cost ~1000.
    expect(net.correct).toBe(labels.filter((y) => y === 0).length);
    expect(net.lossSum / shape.rows).toBeGreaterThan(500);
  });
});
