import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { LeaseEnvSchema, redisEnv, startWorker } from "@gradtrace/queue";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { logLine, runUntilSignal } from "./service.ts";
import { envOrUsage, UsageError } from "./usage-error.ts";

/** Help text of `gradtrace worker`. */
export const WORKER_USAGE = `gradtrace worker — train runs from the queue (needs only Redis)

  --device cpu              the device to train on (cpu; gpu arrives with the GPU worker)
  --concurrency N           runs trained at once, one thread each       (default: number of cores)
  --redis URL               the queue's Redis                           (default REDIS_URL, else redis://127.0.0.1:6379)
  --shutdown-timeout S      on SIGTERM/SIGINT, seconds to let running runs finish before
                            handing them back to the queue              (default 10)

Environment: REDIS_URL, GRADTRACE_QUEUE_PREFIX (default gradtrace), GRADTRACE_LOCK_MS and
GRADTRACE_STALLED_MS (run lease and stalled-run check, default 30000 each).`;

/** Runs `gradtrace worker` until a signal; resolves to the exit code. */
export async function runWorker(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { device: { type: "string", default: "cpu" }, concurrency: { type: "string" }, redis: { type: "string" }, "shutdown-timeout": { type: "string", default: "10" } },
    strict: true,
  });
  if (values.device !== "cpu") throw new UsageError(`--device: '${values.device}' is not available; allowed: cpu`);
  const concurrency = values.concurrency === undefined ? availableParallelism() : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency: expected a whole number from 1 to 256, got '${values.concurrency}'`);
  const timeout = Number(values["shutdown-timeout"]);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--shutdown-timeout: expected seconds ≥ 0, got '${values["shutdown-timeout"]}'`);
  const env = envOrUsage(() => redisEnv({ ...process.env, ...(values.redis ? { REDIS_URL: values.redis } : {}) }));
  const lease = envOrUsage(() => LeaseEnvSchema.parse(process.env));
  const log = logLine("worker");
  const worker = await startWorker({
    redisUrl: env.REDIS_URL,
    prefix: env.GRADTRACE_QUEUE_PREFIX,
    trainer: new ThreadPool(concurrency),
    log,
    lockMs: lease.GRADTRACE_LOCK_MS,
    stalledMs: lease.GRADTRACE_STALLED_MS,
  });
  log(`${worker.id} ready: cpu × ${concurrency}, ${env.REDIS_URL.replace(/\/\/[^@]*@/, "//***@")}`);
  return runUntilSignal({ close: () => worker.close(timeout * 1000) }, timeout * 1000 + 5000, log);
}
