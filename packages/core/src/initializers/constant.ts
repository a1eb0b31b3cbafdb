import { z } from "zod";
import { defineInitializer } from "./initializer.ts";

/**
 * zeros and constant(c) set every entry alike, which is why they can never break symmetry: all
 * units of a layer then compute the same function and receive identical gradients forever.
 */
export const zeros = defineInitializer({
  name: "zeros",
  parameters: {},
  constant: true,
  fill: (_p, target) => target.values.fill(0),
});

/** Every entry c (see zeros: a constant never breaks symmetry). */
export const constant = defineInitializer({
  name: "constant",
  constant: true,
  parameters: { value: { schema: z.number().finite(), example: 0.5, doc: "the value of every entry" } },
  fill: ({ value }, target) => target.values.fill(value),
});
