import { existsSync, readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { cancelSweep, openControl, pauseSweep, resumeSweep, retryFailedRuns, submitSweep, SubmitIncompleteError } from "@gradtrace/control";
import { SpecError } from "@gradtrace/core";
import { createPrismaClient, databaseUrlFromEnv, getSweep, NotFoundError } from "@gradtrace/db";
import { isQueueUnreachable, redisEnv } from "@gradtrace/queue";
import { createLogger } from "@gradtrace/log";
import { z } from "zod";
import { envOrUsage, ServiceError, UsageError } from "./usage-error.ts";

/** Help text of `gradtrace sweep`. */
export const SWEEP_USAGE = `gradtrace sweep — submit and steer sweeps (needs Redis and Postgres)

  gradtrace sweep submit FILE|JSON   store a sweep spec's runs and enqueue them; prints {"sweepId","runs"}
  gradtrace sweep status ID          the sweep, its runs counted by status, epochs trained
  gradtrace sweep cancel ID          waiting runs never start, running ones stop within a second
  gradtrace sweep pause ID           waiting runs leave the queue; running ones finish
  gradtrace sweep resume ID          a paused sweep's runs go back to the queue
  gradtrace sweep retry ID           the sweep's failed runs start again

Environment: DATABASE_URL (required), REDIS_URL, GRADTRACE_QUEUE_PREFIX.`;

const ACTIONS = ["submit", "status", "cancel", "pause", "resume", "retry"] as const;

/** Runs `gradtrace sweep ACTION ARG`, printing JSON to `out`; resolves to the exit code. */
export async function runSweep(argv: string[], out: Writable): Promise<number> {
  const [action, arg, ...extra] = argv;
  const chosen = z.enum(ACTIONS).safeParse(action);
  if (!chosen.success) throw new UsageError(`sweep: unknown action '${action ?? ""}'; actions: ${ACTIONS.join(", ")}`);
  if (arg === undefined || extra.length > 0)
    throw new UsageError(`sweep ${action}: expected exactly one argument (${action === "submit" ? "a sweep spec file or JSON" : "a sweep id"})`);
  if (chosen.data !== "submit" && !z.uuid().safeParse(arg).success) throw new UsageError(`sweep ${action}: '${arg}' is not a sweep id (a UUID)`);
  const env = envOrUsage(() => redisEnv());
  const prisma = createPrismaClient({ url: envOrUsage(() => databaseUrlFromEnv()) });
  const control = openControl(
    prisma,
    env.REDIS_URL,
    env.GRADTRACE_QUEUE_PREFIX,
    envOrUsage(() => createLogger({ component: "sweep" })),
  );
  const print = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
  try {
    switch (chosen.data) {
      case "submit":
        print(await submitSweep(control, readJson(arg)));
        break;
      case "status":
        break;
      case "cancel":
        await cancelSweep(control, arg);
        break;
      case "pause":
        await pauseSweep(control, arg);
        break;
      case "resume":
        await resumeSweep(control, arg);
        break;
      case "retry":
        print({ retried: await retryFailedRuns(control, arg) });
        break;
    }
    if (chosen.data !== "submit") {
      const { id, name, status, runs, epochsTrained } = await getSweep(prisma, arg);
      print({ id, name, status, runs, epochsTrained });
    }
    return 0;
  } catch (error) {
    if (error instanceof SpecError || error instanceof NotFoundError || (error as Error).name === "SweepStateError")
      throw new UsageError(String((error as Error).message));
    if (error instanceof SubmitIncompleteError) throw new ServiceError(`${error.message}: gradtrace sweep resume ${error.sweepId}`);
    if (isQueueUnreachable(error)) throw new ServiceError(`${(error as Error).message}; nothing was changed. Is Redis running, and is REDIS_URL right?`);
    throw error;
  } finally {
    await control.close();
    await prisma.$disconnect();
  }
}

function readJson(text: string): unknown {
  const source = existsSync(text) ? readFileSync(text, "utf8") : text;
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new UsageError(`sweep submit: expected a sweep spec as JSON or a path to a JSON file (${(error as Error).message})`);
  }
}
