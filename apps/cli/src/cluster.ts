import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { getSweep, type PrismaClient } from "@gradtrace/db";

const BIN = fileURLToPath(new URL("../bin/gradtrace.js", import.meta.url));

/** A gradtrace process started by a test or a benchmark, with what it printed so far. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it exits. */
  exited: Promise<number | string>;
  /** Waits until its output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts `gradtrace ARGS` (in `cwd`) with exactly `env` beside PATH and HOME: a worker started
 * this way sees no DATABASE_URL unless given one.
 */
export function startCli(args: string[], env: Record<string, string>, cwd?: string): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 30_000) => until(() => pattern.test(output), timeoutMs, `output matching ${pattern} from gradtrace ${args[0]}:\n${output}`),
  };
}

/** Runs `gradtrace ARGS` to its end as startCli would, with `input` on its stdin: exit status, stdout, stderr. */
export function runCli(args: string[], env: Record<string, string>, input = ""): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv(env), input, encoding: "utf8", timeout: 60_000 });
  return { status, stdout, stderr };
}

function cliEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env };
}

/** Polls `check` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until no run of the sweep is queued or running and the sweep says so itself; returns the sweep. */
export async function sweepSettled(prisma: PrismaClient, sweepId: string, timeoutMs: number, everyMs = 50) {
  const settled = async () => {
    const { runs, status } = await getSweep(prisma, sweepId);
    return runs.queued + runs.running === 0 && status !== "queued" && status !== "running";
  };
  await until(settled, timeoutMs, `sweep ${sweepId} to settle`, everyMs);
  return getSweep(prisma, sweepId);
}
