// What the CLI benches share: a test database, a queue prefix of their own, CLI processes started
// on them, and a cleanup that leaves nothing behind.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Control } from "@gradtrace/control";
import { createTestDatabase } from "@gradtrace/db/test-database";
import { connectRedis, openQueues, type SweepSpecInput } from "@gradtrace/queue";
import { startCli, type CliProcess } from "../src/cluster.ts";

export const reps = Number(process.env.BENCH_REPS ?? 3);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The core bench's 72-cell grid (4 activations × 6 initializers × depths 2, 4, 8 of width 64, 50 epochs) as a sweep. */
export const GRID = JSON.parse(readFileSync(new URL("../../../examples/grid-72.json", import.meta.url), "utf8")) as SweepSpecInput;

export const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const fmt = (values: number[], unit = "s", digits = 3) =>
  `median ${median(values).toFixed(digits)} ${unit}  (${values.map((v) => v.toFixed(digits)).join(", ")})`;

/** Runs `body` with a database, a control on a fresh prefix, and a way to start CLI processes (recorders: `databaseUrl`); cleans up after. */
export async function withCluster(
  name: string,
  body: (c: { control: Control; databaseUrl: string; start: (args: string[]) => Promise<CliProcess> }) => Promise<void>,
) {
  const db = await createTestDatabase(name);
  const prefix = `gt-bench-${randomBytes(4).toString("hex")}`;
  const redis = connectRedis(REDIS_URL, "worker", (e) => console.error(`redis: ${e.message}`));
  const control: Control = { prisma: db.prisma, redis, prefix, queues: openQueues(redis, prefix, (e) => console.error(`queue: ${e.message}`)) };
  const processes: CliProcess[] = [];
  const start = async (args: string[]) => {
    const p = startCli(args, { REDIS_URL, GRADTRACE_QUEUE_PREFIX: prefix, DATABASE_URL: db.schemaUrl });
    processes.push(p);
    await p.waitFor(/ready/);
    return p;
  };
  try {
    await body({ control, databaseUrl: db.schemaUrl, start });
  } finally {
    for (const p of processes) p.child.kill("SIGTERM");
    await Promise.all(processes.map((p) => p.exited));
    await control.queues.runs.any.obliterate({ force: true }).catch(() => undefined);
    await control.queues.results.obliterate({ force: true }).catch(() => undefined);
    await control.queues.close();
    const stale = await redis.keys(`${prefix}:*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
    await db.drop();
  }
}
