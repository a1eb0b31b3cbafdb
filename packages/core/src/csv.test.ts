import { describe, expect, it } from "vitest";
import { csv } from "./csv.ts";

describe("csv", () => {
  it("quotes what needs quoting, doubles quotes, and leaves missing values empty", () => {
    expect(
      csv(
        ["a", "b"],
        [
          [1, "moons(samples=200, noise=0.3)"],
          [null, 'say "hi"\nthere'],
          [Number.NaN, undefined],
        ],
      ),
    ).toBe('a,b\n1,"moons(samples=200, noise=0.3)"\n,"say ""hi""\nthere"\nNaN,\n');
  });
});
