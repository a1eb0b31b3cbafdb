import { describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, ActivationSpecSchema } from "../spec.ts";
import { ACTIVATIONS, createActivation } from "./index.ts";

const kinked = new Set(["relu", "leaky_relu", "elu", "selu"]);

describe.each(ACTIVATION_NAMES)("%s", (name) => {
  const activation = createActivation(ActivationSpecSchema.parse(name));

  it("has a derivative that matches a float64 central difference", () => {
    const h = 1e-6;
    for (let z = -6; z <= 6; z += 0.173) {
      if (kinked.has(name) && Math.abs(z) < 1e-3) continue;
      const numeric = (activation.forward(z + h) - activation.forward(z - h)) / (2 * h);
      const analytic = activation.derivative(z, activation.forward(z));
      expect(Math.abs(numeric - analytic), `z = ${z}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(analytic)));
    }
  });

  it("stays finite for extreme inputs", () => {
    for (const z of [-1e4, -80, 80, 1e4]) {
      const h = activation.forward(z);
      expect(Number.isFinite(h) || (name === "identity" && Math.abs(h) === 1e4)).toBe(true);
      expect(Number.isFinite(activation.derivative(z, h))).toBe(true);
    }
  });

  it("has a histogram range whose low end is at most a tenth of a unit below the lowest output", () => {
    let lowest = Infinity;
    for (let z = -30; z <= 30; z += 0.001) lowest = Math.min(lowest, activation.forward(z));
    const [low, high] = activation.range;
    expect(high).toBeGreaterThan(low);
    // Unbounded below (identity, leaky_relu): the low end clamps, as the high end does for all.
    if (activation.forward(-1e4) < -4) return;
    expect(low).toBeLessThanOrEqual(lowest + 1e-12);
    // Bounded below: no bins wasted under the minimum (ReLU's histogram no longer spans [−4, 0]).
    expect(low, `lowest output ${lowest}`).toBeGreaterThanOrEqual(lowest - 0.1);
  });
});

describe("activation values", () => {
  it("match their closed forms at reference points", () => {
    const at = (name: string, z: number) => createActivation(ActivationSpecSchema.parse(name)).forward(z);
    expect(at("logistic", 0)).toBe(0.5);
    expect(at("tanh", 1)).toBeCloseTo(0.7615941559557649, 15);
    expect(at("relu", -2)).toBe(0);
    expect(at("softplus", 0)).toBeCloseTo(Math.LN2, 15);
    expect(at("silu", 1)).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(at("gelu", 1)).toBeCloseTo(0.8411919906082768, 12);
    expect(at("selu", -1)).toBeCloseTo(-1.1113307378125628, 12);
    expect(createActivation({ name: "leaky_relu", alpha: 0.1 }).forward(-2)).toBeCloseTo(-0.2, 15);
    expect(createActivation({ name: "elu", alpha: 2 }).forward(-1)).toBeCloseTo(2 * (Math.exp(-1) - 1), 15);
  });

  it("give leaky_relu its documented default slope of 0.01", () => {
    expect(ActivationSpecSchema.parse("leaky_relu")).toEqual({ name: "leaky_relu", alpha: 0.01 });
  });
});

describe("activation kernel codes", () => {
  it("are distinct, one per activation", () => {
    const codes = ACTIVATIONS.map((a) => a.code);
    expect(new Set(codes).size).toBe(ACTIVATIONS.length);
  });
});
