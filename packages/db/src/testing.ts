import type { EpochRecord } from "@gradtrace/core";
import { expect } from "vitest";

export { createTestDatabase, dropSchema, TEST_DATABASE_URL, type TestDatabase } from "./test-database.ts";

/** Stored epochs equal the core's, metrics at float32 precision (JSON null stays null). */
export function expectSameEpochs(stored: readonly EpochRecord[], original: readonly EpochRecord[]): void {
  expect(stored.map((e) => e.epoch)).toEqual(original.map((e) => e.epoch));
  stored.forEach((e, i) => {
    const o = original[i]!;
    expect(e.trainLoss).toBe(o.trainLoss);
    expect(e.valAccuracy).toBe(o.valAccuracy);
    e.layers.forEach((l, j) => {
      const ol = o.layers[j]!;
      expect(l.histogram).toEqual(ol.histogram);
      expect(l.preActivationHistogram).toEqual(ol.preActivationHistogram);
      expect(l.gradNorm).toBe(Math.fround(ol.gradNorm));
      expect(l.updateRatio).toBe(ol.updateRatio === null ? null : Math.fround(ol.updateRatio));
      expect(l.saturatedFraction).toBe(ol.saturatedFraction === null ? null : Math.fround(ol.saturatedFraction));
    });
  });
}
