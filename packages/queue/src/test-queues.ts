import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { connectRedis, type ConnectionRole } from "./connection.ts";
import { openQueues } from "./producer.ts";

/** The Redis the tests use. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * For a test file: a connection of `role` to the test Redis, a key prefix of its own and the
 * queues under it; after the file's tests (and `before`, e.g. closing workers) every key under
 * the prefix is deleted and the connection closed.
 */
export function testQueues(role: ConnectionRole, before: () => Promise<void> = async () => {}) {
  const prefix = `gt-test-${randomBytes(4).toString("hex")}`;
  const redis = connectRedis(TEST_REDIS_URL, role, () => undefined);
  const queues = openQueues(redis, prefix, () => undefined);
  afterAll(async () => {
    await before();
    await queues.close();
    const stale = await redis.keys(`${prefix}:*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  });
  return { prefix, redis, queues };
}
