import type { PrismaClient } from "@gradtrace/db";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { testQueues } from "@gradtrace/queue/testing";
import { afterAll, beforeAll } from "vitest";
import type { Control } from "./sweeps.ts";

/**
 * For a test file of the control package: a database of its own (`name`) and a producer
 * connection with queues on a prefix of its own (see testQueues), as a Control once the file's
 * tests begin; everything is dropped after them.
 */
export function testControl(name: string): { readonly control: Control; readonly prisma: PrismaClient } {
  const { prefix, redis, queues } = testQueues("producer");
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(name);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get control() {
      return { prisma: db!.prisma, redis, prefix, queues };
    },
    get prisma() {
      return db!.prisma;
    },
  };
}
