import { describe, expect, it } from "vitest";
import { ACTIVATIONS } from "./activations/index.ts";
import { INITIALIZERS } from "./initializers/index.ts";
import { choiceLabel, fromShorthand, shorthand, suggestedValue } from "./named.ts";
import { ActivationSpecSchema, InitializerSpecSchema, initializerLabel } from "./spec.ts";

describe("named choices", () => {
  it("label initializers by their parameters, defaults left out", () => {
    const label = (input: unknown) => initializerLabel(InitializerSpecSchema.parse(input));
    expect(label("zeros")).toBe("zeros");
    expect(label({ name: "constant", value: 0.5 })).toBe("constant(0.5)");
    expect(label({ name: "normal", std: 0.01 })).toBe("normal(0.01)");
    expect(label({ name: "normal", std: 0.01, mean: 0.5 })).toBe("normal(0.01, mean=0.5)");
    expect(label({ name: "uniform", limit: 0.05 })).toBe("uniform(0.05)");
    expect(label("xavier_normal")).toBe("xavier_normal");
    expect(label({ name: "orthogonal", gain: 2 })).toBe("orthogonal(gain=2)");
    expect(choiceLabel(ACTIVATIONS, ActivationSpecSchema.parse({ name: "leaky_relu", alpha: 0.1 }))).toBe("leaky_relu(alpha=0.1)");
  });

  it("write and read the name:value shorthand through the first parameter", () => {
    expect(ACTIVATIONS.map(shorthand)).toContain("leaky_relu[:alpha]");
    expect(INITIALIZERS.map(shorthand)).toEqual(expect.arrayContaining(["zeros", "normal:std", "he_normal[:gain]"]));
    expect(fromShorthand(INITIALIZERS, "normal:0.5")).toEqual({ name: "normal", std: 0.5 });
    expect(fromShorthand(INITIALIZERS, "orthogonal:2")).toEqual({ name: "orthogonal", gain: 2 });
    expect(fromShorthand(INITIALIZERS, "normal:")).toEqual({ name: "normal", std: NaN });
    expect(fromShorthand(ACTIVATIONS, "swish:1")).toEqual({ name: "swish" });
    expect(() => fromShorthand(ACTIVATIONS, "tanh:2")).toThrow("tanh takes no parameter");
  });

  it("give every parameter a value a form can start from, one the schema accepts", () => {
    for (const choice of [...ACTIVATIONS, ...INITIALIZERS]) {
      for (const [key, parameter] of Object.entries(choice.parameters)) {
        expect(parameter.schema.safeParse(suggestedValue(parameter)).success, `${choice.name}.${key}`).toBe(true);
      }
    }
  });
});
