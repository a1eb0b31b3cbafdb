import { describe, expect, it } from "vitest";
import { functionalAnova, type ImportanceRow } from "./importance.ts";
import { Random } from "./random.ts";

/** Every cell of a grid of these sizes, `repeats` times, with the outcome `f` of its levels (plus noise). */
function grid(sizes: number[], f: (l: number[]) => number, repeats = 1, noise = 0, seed = 1): ImportanceRow[] {
  const rng = new Random(seed, "grid");
  const rows: ImportanceRow[] = [];
  const total = sizes.reduce((n, s) => n * s, 1);
  for (let cell = 0; cell < total; cell++) {
    const levels: number[] = [];
    let rest = cell;
    for (let i = sizes.length - 1; i >= 0; i--) {
      levels[i] = rest % sizes[i]!;
      rest = Math.floor(rest / sizes[i]!);
    }
    for (let r = 0; r < repeats; r++) rows.push({ levels, value: f(levels) + noise * rng.normal() });
  }
  return rows;
}

describe("functional ANOVA", () => {
  it("gives an outcome that depends on the activation alone all of its variance", () => {
    const a = functionalAnova(
      [4, 3, 3],
      grid([4, 3, 3], (l) => [0.1, 0.7, 0.3, 0.2][l[0]!]!),
    )!;
    expect(a.method).toBe("exact");
    expect(a.main[0]).toBeCloseTo(1, 12);
    expect(a.main[1]).toBeCloseTo(0, 12);
    expect(a.pairs.every((p) => Math.abs(p.fraction) < 1e-12)).toBe(true);
    expect(a.rest).toBeCloseTo(0, 12);
  });

  it("puts a pure interaction (XOR of two settings) on the pair", () => {
    const a = functionalAnova(
      [2, 2, 3],
      grid([2, 2, 3], (l) => (l[0] === l[1] ? 1 : 0)),
    )!;
    expect(a.main.every((m) => m < 1e-12)).toBe(true);
    expect(a.pairs.find((p) => p.settings[0] === 0 && p.settings[1] === 1)!.fraction).toBeCloseTo(1, 12);
  });

  it("splits an additive outcome by its parts' variances, and averages seeds within a cell", () => {
    // Var of 2·x over {0, 1} is 1, of y over {0, 1, 2} is 2/3: fractions 0.6 and 0.4.
    const a = functionalAnova(
      [2, 3],
      grid([2, 3], (l) => 2 * l[0]! + l[1]!, 5, 0.001),
    )!;
    expect(a.main[0]).toBeCloseTo(0.6, 3);
    expect(a.main[1]).toBeCloseTo(0.4, 3);
    expect(a.cells).toBe(6);
  });

  it("on an incomplete grid fits main effects and pairs, and recovers them", () => {
    const rows = grid([4, 4, 3], (l) => [0, 1, 0, 1][l[0]!]! + (l[1] === l[2] ? 0.5 : 0));
    // Drop about a third of the cells, scattered (every level and pair of levels still seen).
    const kept = rows.filter((_, i) => (i * 7) % 10 >= 3);
    const a = functionalAnova([4, 4, 3], kept)!;
    expect(a.method).toBe("pairwise model");
    expect(a.cells).toBe(kept.length);
    const exact = functionalAnova([4, 4, 3], rows)!;
    expect(a.main[0]).toBeCloseTo(exact.main[0]!, 2);
    expect(a.pairs.find((p) => p.settings[0] === 1 && p.settings[1] === 2)!.fraction).toBeCloseTo(
      exact.pairs.find((p) => p.settings[0] === 1 && p.settings[1] === 2)!.fraction,
      2,
    );
    expect(a.rest).toBeLessThan(0.01);
  });

  it("leaves out non-finite outcomes (diverged runs) and refuses what cannot be decomposed", () => {
    const rows = grid([2, 2], (l) => l[0]!);
    expect(functionalAnova([2, 2], [...rows, { levels: [0, 0], value: NaN }])!.main[0]).toBeCloseTo(1, 12);
    expect(functionalAnova([2, 2], rows.slice(0, 1))).toBeNull();
    expect(
      functionalAnova(
        [2, 2],
        grid([2, 2], () => 3),
      ),
    ).toBeNull();
  });
});
