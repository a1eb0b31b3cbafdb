// For the web project's tests that call route handlers: the services the server code reads from
// its environment. Not a test file: vitest runs *.test.ts only.
import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { afterAll, beforeAll } from "vitest";
import { control } from "./server.ts";

/**
 * A database schema of the test file's own (`name`) and a queue prefix of its own, set in the
 * environment before its tests (with `env` besides); after them the queues, their keys, the
 * connections and the schema are gone. Returns the database once the tests begin.
 */
export function routeTestServices(name: string, env: Record<string, string> = {}): { readonly db: TestDatabase; readonly prefix: string } {
  const prefix = `gt-test-${randomBytes(4).toString("hex")}`;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(name);
    Object.assign(
      process.env,
      { DATABASE_URL: db.schemaUrl, REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", GRADTRACE_QUEUE_PREFIX: prefix },
      env,
    );
  });
  afterAll(async () => {
    const c = control();
    await c.queues.runs.any.obliterate({ force: true });
    await c.queues.results.obliterate({ force: true });
    await c.queues.close();
    const stale = await c.redis.keys(`${prefix}:*`);
    if (stale.length > 0) await c.redis.del(...stale);
    c.redis.disconnect();
    await c.prisma.$disconnect();
    await db?.drop();
  });
  return {
    get db() {
      return db!;
    },
    prefix,
  };
}
