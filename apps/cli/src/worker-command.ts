import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { LeaseEnvSchema, redisEnv, startWorker, type Trainer } from "@gradtrace/queue";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { createLogger, redactUrl } from "@gradtrace/log";
import { runUntilSignal } from "./service.ts";
import { envOrUsage, refuseBadCredentials, UsageError } from "./usage-error.ts";

/** Help text of `gradtrace worker`. */
export const WORKER_USAGE = `gradtrace worker — train runs from the queue (needs only Redis)

  --device cpu|gpu          the device to train on                     (default cpu)
  --concurrency N           cpu: runs trained at once, one thread each  (default: number of cores)
  --pack N                  gpu: runs of one shape trained together, 1–4096 (default 256)
  --redis URL               the queue's Redis                           (default REDIS_URL, else redis://127.0.0.1:6379)
  --shutdown-timeout S      on SIGTERM/SIGINT, seconds to let running runs finish before
                            handing them back to the queue              (default 10)

Environment: REDIS_URL, GRADTRACE_QUEUE_PREFIX (default gradtrace), GRADTRACE_LOCK_MS and
GRADTRACE_STALLED_MS (run lease and stalled-run check, default 15000 and 5000).
Exit codes: 0 stopped by SIGTERM/SIGINT, 2 invalid flags or environment, 3 no GPU adapter (--device gpu).`;

/** Runs `gradtrace worker` until a signal; resolves to the exit code. */
export async function runWorker(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: "string", default: "cpu" },
      concurrency: { type: "string" },
      pack: { type: "string" },
      redis: { type: "string" },
      "shutdown-timeout": { type: "string", default: "10" },
    },
    strict: true,
  });
  if (values.device !== "cpu" && values.device !== "gpu") throw new UsageError(`--device: '${values.device}' is not a device; allowed: cpu, gpu`);
  if (values.device === "gpu" && values.concurrency !== undefined)
    throw new UsageError("--concurrency is for --device cpu; a GPU worker trains --pack N runs at once");
  if (values.device === "cpu" && values.pack !== undefined) throw new UsageError("--pack is for --device gpu");
  const concurrency = values.concurrency === undefined ? availableParallelism() : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new UsageError(`--concurrency: expected a whole number from 1 to 256, got '${values.concurrency}'`);
  const pack = values.pack === undefined ? 256 : Number(values.pack);
  if (!Number.isInteger(pack) || pack < 1 || pack > 4096) throw new UsageError(`--pack: expected a whole number from 1 to 4096, got '${values.pack}'`);
  const timeout = Number(values["shutdown-timeout"]);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--shutdown-timeout: expected seconds ≥ 0, got '${values["shutdown-timeout"]}'`);
  const env = envOrUsage(() => redisEnv({ ...process.env, ...(values.redis ? { REDIS_URL: values.redis } : {}) }));
  const lease = envOrUsage(() => LeaseEnvSchema.parse(process.env));
  const log = envOrUsage(() => createLogger({ component: "worker" }));
  await refuseBadCredentials(env.REDIS_URL);
  let trainer: Trainer;
  if (values.device === "gpu") {
    // The GPU worker loads Dawn only when asked for: a CPU worker needs no WebGPU at all.
    const { GpuTrainer, NoGpuError } = await import("@gradtrace/worker-gpu");
    try {
      trainer = await GpuTrainer.open({ pack });
    } catch (error) {
      if (!(error instanceof NoGpuError)) throw error;
      process.stderr.write(`gradtrace: ${error.message}\n`);
      return 3;
    }
  } else trainer = new ThreadPool(concurrency);
  const worker = await startWorker({
    redisUrl: env.REDIS_URL,
    prefix: env.GRADTRACE_QUEUE_PREFIX,
    trainer,
    logger: log,
    lockMs: lease.GRADTRACE_LOCK_MS,
    stalledMs: lease.GRADTRACE_STALLED_MS,
  });
  const workerLog = log.child({ worker: worker.id });
  workerLog.info({ device: trainer.device, concurrency: trainer.concurrency, deviceName: trainer.deviceName, redis: redactUrl(env.REDIS_URL) }, "ready");
  return runUntilSignal({ close: () => worker.close(timeout * 1000) }, timeout * 1000 + 5000, workerLog);
}
