import { parseArgs } from "node:util";
import { startRecorder } from "@gradtrace/control";
import { createPrismaClient, databaseUrlFromEnv } from "@gradtrace/db";
import { redisEnv } from "@gradtrace/queue";
import { createLogger } from "@gradtrace/log";
import { runUntilSignal } from "./service.ts";
import { envOrUsage, refuseBadCredentials } from "./usage-error.ts";

/** Help text of `gradtrace recorder`. */
export const RECORDER_USAGE = `gradtrace recorder — write run results from the queue into Postgres

  --redis URL       the queue's Redis        (default REDIS_URL, else redis://127.0.0.1:6379)
  --database URL    Postgres                 (default DATABASE_URL; required)

Several recorders may run at once; each result is written exactly once.`;

/** Runs `gradtrace recorder` until a signal; resolves to the exit code. */
export async function runRecorder(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { redis: { type: "string" }, database: { type: "string" } }, strict: true });
  const env = envOrUsage(() => redisEnv({ ...process.env, ...(values.redis ? { REDIS_URL: values.redis } : {}) }));
  const url = envOrUsage(() => values.database ?? databaseUrlFromEnv());
  const prisma = createPrismaClient({ url });
  const log = envOrUsage(() => createLogger({ component: "recorder" }));
  await refuseBadCredentials(env.REDIS_URL);
  const recorder = await startRecorder({ redisUrl: env.REDIS_URL, prefix: env.GRADTRACE_QUEUE_PREFIX, prisma, logger: log });
  log.info("ready");
  const code = await runUntilSignal(recorder, 70_000, log);
  await prisma.$disconnect();
  return code;
}
