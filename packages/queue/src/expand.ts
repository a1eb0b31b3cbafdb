import { parseRunSpec, Random, runCost, SpecError, type RunSpec } from "@gradtrace/core";
import { checkSweepFlops, gridSize, runAt, runCount, type SweepSpec } from "./sweep-spec.ts";

/**
 * The grid indices a sweep trains, ascending: all of them for a grid, else `count` distinct ones
 * drawn with the sweep's seed (Floyd's algorithm: no rejection loop, no list of the whole grid).
 */
export function sampledIndices(spec: SweepSpec): number[] {
  if (spec.sampling.mode === "tpe") return [];
  const grid = gridSize(spec);
  const count = runCount(spec);
  if (spec.sampling.mode === "grid" || count === grid) return Array.from({ length: grid }, (_, i) => i);
  const rng = new Random(spec.sampling.seed, "sweep-sample");
  const chosen = new Set<number>();
  for (let j = grid - count; j < grid; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * Expands a sweep into its RunSpecs, deterministically: the same sweep spec always gives the
 * same runs in the same order. A search (TPE) expands to none: its runs are proposed as it goes. Every run is validated; a combination the core refuses (say, too
 * many parameters) is a SpecError that names the combination.
 */
export function expandSweep(spec: SweepSpec): RunSpec[] {
  const runs = sampledIndices(spec).map((index) => {
    const input = runAt(spec, index);
    try {
      return parseRunSpec(input);
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      const { activation, weightInit, hidden } = input.model;
      throw new SpecError(
        error.issues.map((i) => ({
          ...i,
          path: `run ${index} (${JSON.stringify(activation)}, ${JSON.stringify(weightInit)}, ${hidden.length} × ${hidden[0]}): ${i.path}`,
        })),
        "sweep spec",
      );
    }
  });
  checkSweepFlops(
    runs.reduce((sum, r) => sum + runCost(r).flops, 0),
    "axes",
    `${runs.length} runs`,
  );
  return runs;
}
