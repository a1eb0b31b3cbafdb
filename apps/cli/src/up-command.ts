import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { accessFrom, countUsers, isLoopback, openControl, requeueRunsOf, startRecorder } from "@gradtrace/control";
import { createPrismaClient, type PrismaClient } from "@gradtrace/db";
import { connectRedis, redisEnv, startWorker, workerIdPrefix } from "@gradtrace/queue";
import { serveDashboard } from "@gradtrace/web/server";
import { ThreadPool } from "@gradtrace/worker-cpu";
import { z } from "zod";
import { createLogger, describeError, redactUrl, type Logger } from "@gradtrace/log";
import { keptSecret, lockDataDir, saveChild, savedPort, stopOrphan } from "./data-dir.ts";
import { runUntilSignal } from "./service.ts";
import { envOrUsage, UsageError } from "./usage-error.ts";

/** Help text of `gradtrace up`. */
export const UP_USAGE = `gradtrace up — the dashboard, the recorder and a CPU worker pool in one process

  --port N              the dashboard's port                  (default PORT, else 3000)
  --host H              the address it listens on             (default HOST, else 127.0.0.1: not the network)
  --concurrency N       runs trained at once in this process  (default: number of cores; 0: none,
                        when workers run elsewhere)
  --data DIR            where embedded data lives             (default ./.gradtrace)

Database: DATABASE_URL when set (migrated at start); otherwise an embedded PGlite in DIR/pg.
Accounts: none on loopback (you are the one local user); beyond loopback (--host 0.0.0.0) a login,
with accounts made by gradtrace user add (GRADTRACE_AUTH=accounts asks for them on loopback too).
Sessions are signed with GRADTRACE_AUTH_SECRET, else a secret kept in DIR/auth-secret.
Redis: REDIS_URL when set; otherwise redis-server from PATH as a child process, data in DIR/redis.
More workers, from any machine: gradtrace worker --redis redis://HOST:PORT (printed at start).`;

const UpEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
});

/** A free port on loopback: `wanted` when it is free, else one the system picks. */
function freePort(wanted = 0): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer().once("error", (error: NodeJS.ErrnoException) =>
      wanted !== 0 && error.code === "EADDRINUSE" ? done(freePort()) : fail(error),
    );
    server.listen(wanted, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * Starts redis-server from PATH with its data in `dir`, on the port it had last time there when
 * that is free (the printed worker command stays valid across restarts); resolves once it answers.
 * It runs in its own process group, so a Ctrl-C at the terminal reaches gradtrace only, which
 * stops it last, after everything that uses it.
 */
async function startRedisServer(dir: string, log: Logger): Promise<{ url: string; child: ChildProcess }> {
  mkdirSync(dir, { recursive: true });
  const orphan = await stopOrphan(dir);
  if (orphan !== undefined) log.warn(`stopped redis-server ${orphan}, left running in ${dir} by an earlier gradtrace up`);
  const port = await freePort(savedPort(dir));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction"];
  const child = spawn("redis-server", args, { stdio: "ignore", detached: true });
  const missing = await new Promise<boolean>((done) => {
    child.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ENOENT"));
    child.once("spawn", () => done(false));
  });
  if (missing) {
    throw new UsageError(
      "redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL to a Redis you run.",
    );
  }
  const url = `redis://127.0.0.1:${port}`;
  const probe = connectRedis(url, "producer", () => undefined);
  const deadline = Date.now() + 10_000;
  while ((await probe.ping().catch(() => "")) !== "PONG") {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  probe.disconnect();
  saveChild(dir, port, child.pid!);
  return { url, child };
}

/** Runs `gradtrace up` until a signal; resolves to the exit code. */
export async function runUp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: "string" }, host: { type: "string" }, concurrency: { type: "string" }, data: { type: "string" } },
    strict: true,
  });
  const env = envOrUsage(() =>
    UpEnvSchema.parse({ ...process.env, ...(values.port ? { PORT: values.port } : {}), ...(values.host ? { HOST: values.host } : {}) }),
  );
  const concurrency = values.concurrency === undefined ? availableParallelism() : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 0 || concurrency > 256)
    throw new UsageError(`--concurrency: expected a whole number from 0 to 256, got '${values.concurrency}'`);
  const data = resolve(values.data ?? ".gradtrace");
  mkdirSync(data, { recursive: true });
  // Before anything starts: a dashboard beyond loopback without accounts is refused here.
  const access = envOrUsage(() => accessFrom({ ...process.env, HOST: env.HOST }, env.HOST, () => keptSecret(data)));
  const log = envOrUsage(() => createLogger({ component: "up" }));
  const lock = lockDataDir(data);
  const closers: Array<() => Promise<unknown> | void> = [lock.release];
  const closeAll = async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch((err: unknown) => log.error({ err }, `stopping: ${describeError(err)}`));
  };
  try {
    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedisServer(join(data, "redis"), log);
      redisUrl = redis.url;
      closers.push(async () => {
        if (redis.child.exitCode !== null) return;
        const exited = once(redis.child, "exit");
        redis.child.kill("SIGTERM");
        await exited;
      });
      log.info({ redis: redisUrl, data: join(data, "redis") }, "redis-server started");
    }
    const { GRADTRACE_QUEUE_PREFIX: prefix } = envOrUsage(() => redisEnv({ ...process.env, REDIS_URL: redisUrl }));

    let prisma: PrismaClient;
    if (env.DATABASE_URL) {
      const { migrate } = await import("@gradtrace/db/migrations");
      const { applied } = await migrate({ url: env.DATABASE_URL });
      prisma = createPrismaClient({ url: env.DATABASE_URL });
      closers.push(() => prisma.$disconnect());
      log.info({ database: redactUrl(env.DATABASE_URL), applied }, "database ready");
    } else {
      const { openEmbeddedDatabase } = await import("@gradtrace/db/embedded");
      const embedded = await openEmbeddedDatabase(join(data, "pg"));
      prisma = embedded.prisma;
      closers.push(() => embedded.close());
      log.info({ data: join(data, "pg") }, "embedded database (PGlite) ready");
    }

    const control = openControl(prisma, redisUrl, prefix, log.child({ component: "web" }));
    closers.push(() => control.close());
    if (lock.diedHolding !== undefined) {
      // The up that died held this directory: the runs its own workers were training go back to the queue now, not when their leases lapse.
      const requeued = await requeueRunsOf(control, workerIdPrefix(hostname(), lock.diedHolding));
      if (requeued > 0) log.info(`queued again ${requeued} runs the gradtrace up that stopped (pid ${lock.diedHolding}) was training`);
    }
    const recorder = await startRecorder({ redisUrl, prefix, prisma, logger: log.child({ component: "recorder" }) });
    closers.push(() => recorder.close());
    if (concurrency > 0) {
      const worker = await startWorker({ redisUrl, prefix, trainer: new ThreadPool(concurrency), logger: log.child({ component: "worker" }) });
      // Runs still training after 3 s go back to the queue (released) and resume at the next start:
      // Ctrl-C stops everything within 5 s.
      closers.push(() => worker.close(3_000));
    }
    const dashboard = await serveDashboard({ control, redisUrl, prefix, access, host: env.HOST, port: env.PORT, logger: log.child({ component: "web" }) });
    closers.push(() => dashboard.close());
    process.stdout.write(`gradtrace is up: ${dashboard.url}\n`);
    log.info(`more workers: npx gradtrace worker --redis ${redactUrl(redisUrl)}${env.REDIS_URL ? "" : " (this Redis listens on 127.0.0.1 only)"}`);
    if (!isLoopback(env.HOST)) {
      log.info(
        `listening on ${env.HOST}, beyond loopback, with accounts: requests must name loopback${env.HOST === "0.0.0.0" || env.HOST === "::" ? "" : `, ${env.HOST}`} or a host in GRADTRACE_ALLOWED_HOSTS`,
      );
    }
    if (access.mode === "accounts" && (await countUsers(prisma)) === 0) {
      const where = env.DATABASE_URL ? "" : ` --data ${data} (after stopping this one: the embedded database admits one process)`;
      log.warn(`this dashboard has accounts and none exists yet: make the first with gradtrace user add EMAIL --role admin${where}`);
    }
  } catch (error) {
    await closeAll();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`port ${env.PORT} is in use; choose another with --port or PORT`);
    throw error;
  }
  return runUntilSignal({ close: closeAll }, 20_000, log);
}
