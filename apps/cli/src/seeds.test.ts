import type { TraceSummary } from "@gradtrace/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregate, MAX_SEEDS, parseSeeds, tableFooter } from "./seeds.ts";

describe("parseSeeds", () => {
  it.each([
    ["0..4", [0, 1, 2, 3, 4]],
    ["3", [3]],
    ["0,1,2", [0, 1, 2]],
    ["0..2, 10, 20..21", [0, 1, 2, 10, 20, 21]],
    ["4294967295", [4294967295]],
  ])("reads %j", (text, seeds) => {
    expect(parseSeeds(text)).toEqual({ seeds, problems: [] });
  });

  it.each([
    ["", "'' is not a seed or a range"],
    ["-1", "'-1' is not a seed or a range"],
    ["1.5", "'1.5' is not a seed or a range"],
    ["4294967296", "'4294967296' is not a seed or a range"],
    ["0..1..2", "'0..1..2' has more than one '..'"],
    ["5..2", "the range '5..2' runs backwards; write 2..5"],
    ["1,1", "seed 1 is named twice"],
    [`0..${MAX_SEEDS}`, `names more than ${MAX_SEEDS} seeds`],
  ])("says what is wrong with %j", (text, problem) => {
    expect(parseSeeds(text).problems.join("\n")).toContain(problem);
  });

  it("never throws, and gives seeds within range or problems for any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const { seeds, problems } = parseSeeds(text);
        expect(problems.length > 0 || seeds.length > 0).toBe(true);
        for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
      }),
    );
  });
});

describe("aggregate", () => {
  const summary = (trainLoss: number, valLoss: number | null, kinds: string[], status: TraceSummary["status"] = "completed"): TraceSummary =>
    ({
      status,
      epochsRun: 1,
      divergedAt: null,
      final: { trainLoss, trainAccuracy: 0.5, valLoss, valAccuracy: valLoss === null ? null : 0.5 },
      diagnoses: kinds.map((kind) => ({ kind, epoch: 0, severity: "error", evidence: "", layers: [] })),
    }) as unknown as TraceSummary;

  it("gives mean ± sample std of the finite values, and each diagnosis's share of the seeds", () => {
    const a = aggregate([
      { seed: 0, summary: summary(1, 2, ["collapsed_at_init", "dead_units"]) },
      { seed: 1, summary: summary(3, null, ["dead_units"]) },
      { seed: 2, summary: summary(Number.NaN, Number.NaN, [], "diverged") },
    ]);
    expect(a.runs).toBe(3);
    expect(a.status).toEqual({ completed: 2, diverged: 1 });
    expect(a.final.trainLoss).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
    expect(a.final.valLoss).toEqual({ mean: 2, std: null, n: 1 });
    expect(a.diagnoses.dead_units).toEqual({ runs: 2, fraction: 2 / 3 });
    expect(a.diagnoses.collapsed_at_init).toEqual({ runs: 1, fraction: 1 / 3 });
    expect(a.diagnoses.saturation).toEqual({ runs: 0, fraction: 0 });
    expect(tableFooter(a, 1.25, 2)).toContain("  dead_units            66.7%  (2/3)");
  });

  it("of no seeds is zero counts and null spreads", () => {
    const a = aggregate([]);
    expect(a.final.valAccuracy).toEqual({ mean: null, std: null, n: 0 });
    expect(tableFooter(a, 0, 1)).toContain("diagnoses:\n  none");
  });
});
