import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EpochRecord } from "@gradtrace/core";
import { expect } from "vitest";
import type { PrismaClient } from "./client.ts";
import { openEmbeddedDatabase } from "./embedded.ts";
import { createTestDatabase } from "./test-database.ts";

export { createTestDatabase, dropSchema, TEST_DATABASE_URL, type TestDatabase } from "./test-database.ts";

/**
 * The two databases gradtrace runs on, for tests that must pass on both (raw SQL, COPY): a name
 * and an opener of a fresh, migrated one — Postgres in a schema of its own, the embedded PGlite
 * in a temporary directory. `close` closes and removes every one opened.
 */
export function bothDatabases(): { databases: Array<[string, () => Promise<PrismaClient>]>; close: () => Promise<void> } {
  const closers: Array<() => Promise<void>> = [];
  const postgres = async () => {
    const db = await createTestDatabase("both");
    closers.push(() => db.drop());
    return db.prisma;
  };
  const pglite = async () => {
    const dir = mkdtempSync(join(tmpdir(), "gradtrace-both-"));
    const db = await openEmbeddedDatabase(dir);
    closers.push(async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return db.prisma;
  };
  return {
    databases: [
      ["Postgres", postgres],
      ["PGlite", pglite],
    ],
    close: async () => {
      for (const close of closers.splice(0)) await close();
    },
  };
}

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
