import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseWith } from "./spec.ts";

/** The message of the one issue `schema` finds in `input`, as the core reports it. */
function message(schema: z.ZodType, input: unknown): string {
  try {
    parseWith(schema, input, "input");
  } catch (error) {
    const issues = (error as { issues: Array<{ message: string }> }).issues;
    expect(issues).toHaveLength(1);
    return issues[0]!.message;
  }
  throw new Error("expected an issue");
}

describe("validation messages in words", () => {
  it.each([
    ["a whole number with both bounds, given a fraction", z.number().int().min(1).max(64), 2.5, "must be a whole number from 1 to 64"],
    ["the same, given text", z.number().int().min(1).max(64), "abc", "must be a whole number from 1 to 64"],
    ["the same, above", z.number().int().min(1).max(64), 65, "must be a whole number from 1 to 64"],
    ["an exclusive lower bound", z.number().positive(), -1, "must be a number greater than 0"],
    ["exclusive and inclusive bounds", z.number().positive().max(100), "abc", "must be a number greater than 0 and at most 100"],
    ["the tighter of two lower bounds", z.number().positive().min(2), 1, "must be a number at least 2"],
    ["an upper bound only", z.number().lt(1), 1, "must be a number less than 1"],
    ["a step", z.number().multipleOf(0.5), 0.3, "must be a multiple of 0.5"],
    ["text", z.string(), 5, "must be text"],
    ["non-empty text", z.string().min(1), "", "must not be empty"],
    ["long text", z.string().max(3), "abcd", "must be at most 3 characters long"],
    ["a list", z.array(z.number()), {}, "must be a list"],
    ["a list too short", z.array(z.number()).min(2), [1], "must hold at least 2 items"],
    ["a list too long", z.array(z.number()).max(1), [1, 2], "must hold at most 1 item"],
    ["true or false", z.boolean(), "yes", "must be true or false"],
    ["one of a few", z.enum(["sgd", "adam", "momentum"]), "sgdx", 'must be one of "sgd", "adam" or "momentum"'],
    ["one of two", z.enum(["cpu", "gpu"]), "tpu", 'must be "cpu" or "gpu"'],
    ["an exact value", z.literal("full"), "half", 'must be "full"'],
    [
      "a tag naming no branch",
      z.discriminatedUnion("name", [z.object({ name: z.literal("tanh") }), z.object({ name: z.literal("relu") })]),
      { name: "swish" },
      'must be "tanh" or "relu"',
    ],
    [
      "an unknown field",
      z.object({ name: z.string(), alpha: z.number() }).strict(),
      { name: "a", alpha: 1, slope: 2 },
      'unknown field "slope"; allowed: name, alpha',
    ],
  ])("%s", (_case, schema, input, expected) => {
    expect(message(schema, input)).toBe(expected);
  });

  it("keeps a schema's own message", () => {
    expect(message(z.number().max(3, "at most three, please"), 4)).toBe("at most three, please");
  });
});
