import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeColumn, columnValues } from "./wire.ts";

describe("coded columns", () => {
  it("give back every row's value, each distinct value listed once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom("relu", "tanh", "he_normal"), fc.integer({ min: 0, max: 5 }), fc.constant(null)), { maxLength: 300 }),
        (values) => {
          const coded = codeColumn(values);
          expect(columnValues(coded)).toEqual(values);
          expect(new Set(coded.levels).size).toBe(coded.levels.length);
          expect(coded.levels).toEqual([...new Set(values)]);
        },
      ),
    );
    expect(columnValues([0.1, 0.2])).toEqual([0.1, 0.2]);
  });
});
