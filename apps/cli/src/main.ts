import { runTrain } from "./train-command.ts";
import { UsageError } from "./usage-error.ts";

const USAGE = `gradtrace — sweeps over activation × initializer × depth, with per-layer traces

Usage:
  gradtrace train [--spec FILE|JSON] [flags]   train one run, print its trace (no services needed)
  gradtrace help [COMMAND]

Run 'gradtrace help train' for the flags of train.`;

/** Runs the gradtrace command with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "train":
        return await runTrain(rest, process.stdout);
      case "help":
      case "--help":
      case "-h":
      case undefined:
        process.stdout.write(`${rest[0] === "train" ? (await import("./train-command.ts")).TRAIN_USAGE : USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'; commands: train, help`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`gradtrace: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
