import "server-only";
import { startRecorder } from "@gradtrace/control";
import { getPrisma } from "@gradtrace/db";
import { redisEnv } from "@gradtrace/queue";
import { z } from "zod";
import { log } from "./log.ts";

const RecorderEnvSchema = z.object({ GRADTRACE_RECORDER: z.enum(["0", "1"], { error: "GRADTRACE_RECORDER must be 0 or 1" }).default("0") });

/** Starts the recorder in the dashboard's process when GRADTRACE_RECORDER=1; it stops on SIGTERM. */
export async function startInProcessRecorder(): Promise<void> {
  if (RecorderEnvSchema.parse(process.env).GRADTRACE_RECORDER !== "1") return;
  const env = redisEnv();
  const logger = log.child({ component: "recorder" });
  const recorder = await startRecorder({ redisUrl: env.REDIS_URL, prefix: env.GRADTRACE_QUEUE_PREFIX, prisma: getPrisma(), logger });
  logger.info("ready (in the dashboard's process)");
  process.once("SIGTERM", () => void recorder.close());
}
