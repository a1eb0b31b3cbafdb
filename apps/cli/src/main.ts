import { readFileSync } from "node:fs";
import { runTrain } from "./train-command.ts";
import { ServiceError, UsageError } from "./usage-error.ts";

const USAGE = `gradtrace — sweeps over activation × initializer × depth, with per-layer traces

Usage:
  gradtrace train [--spec FILE|JSON] [flags]   train one run, print its trace (no services needed)
  gradtrace worker [--concurrency N] [--redis URL]   train runs from the queue (needs only Redis)
  gradtrace recorder [--redis URL] [--database URL]  write results from the queue into Postgres
  gradtrace sweep submit|status|cancel|pause|resume|retry ARG   submit and steer sweeps
  gradtrace up [--port N] [--host H]   the dashboard, recorder and workers in one process
  gradtrace user add|list|role|remove   accounts of a dashboard with accounts
  gradtrace token create|list|revoke    API tokens for scripts (Authorization: Bearer)
  gradtrace help [COMMAND]
  gradtrace --version

Run 'gradtrace help COMMAND' for the flags of a command.`;

const HELP: Record<string, () => Promise<string>> = {
  train: async () => (await import("./train-command.ts")).TRAIN_USAGE,
  worker: async () => (await import("./worker-command.ts")).WORKER_USAGE,
  recorder: async () => (await import("./recorder-command.ts")).RECORDER_USAGE,
  sweep: async () => (await import("./sweep-command.ts")).SWEEP_USAGE,
  up: async () => (await import("./up-command.ts")).UP_USAGE,
  user: async () => (await import("./user-command.ts")).USER_USAGE,
  token: async () => (await import("./user-command.ts")).USER_USAGE,
};

/** Runs the gradtrace command with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && HELP[command] && rest.some((a) => a === "--help" || a === "-h")) {
    process.stdout.write(`${await HELP[command]()}\n`);
    return 0;
  }
  try {
    switch (command) {
      case "train":
        return await runTrain(rest, process.stdout);
      case "worker":
        return await (await import("./worker-command.ts")).runWorker(rest);
      case "recorder":
        return await (await import("./recorder-command.ts")).runRecorder(rest);
      case "sweep":
        return await (await import("./sweep-command.ts")).runSweep(rest, process.stdout);
      case "up":
        return await (await import("./up-command.ts")).runUp(rest);
      case "user":
      case "token":
        return await (await import("./user-command.ts")).runAccounts(command, rest, process);
      case "--version":
      case "-v":
      case "version":
        process.stdout.write(`gradtrace ${version()}\n`);
        return 0;
      case "help":
      case "--help":
      case "-h":
      case undefined:
        process.stdout.write(`${(await HELP[rest[0] ?? ""]?.()) ?? USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'; commands: train, worker, recorder, sweep, up, user, token, help`);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`gradtrace: ${(error as Error).message}\n`);
      return 2;
    }
    if (error instanceof ServiceError) {
      process.stderr.write(`gradtrace: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** The CLI package's version, as npm knows it. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
