import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeColumn, columnValues } from "./wire.ts";

describe("coded columns", () => {
  it("give back every row's value, each distinct value listed once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom("relu", "tanh", "he_normal"), fc.integer({ min: 0, max: 80 }), fc.constant(null)), { maxLength: 300 }),
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

  it("send up to 64 levels as one character a row, more as numbers", () => {
    const few = codeColumn(Array.from({ length: 200 }, (_, i) => i % 64));
    expect(typeof few.codes).toBe("string");
    expect(few.codes).toHaveLength(200);
    expect(JSON.stringify(few.codes)).toHaveLength(202);
    expect(columnValues(JSON.parse(JSON.stringify(few)) as typeof few)).toEqual(Array.from({ length: 200 }, (_, i) => i % 64));
    const many = codeColumn(Array.from({ length: 200 }, (_, i) => i % 65));
    expect(Array.isArray(many.codes)).toBe(true);
    expect(columnValues(many)).toEqual(Array.from({ length: 200 }, (_, i) => i % 65));
  });
});
