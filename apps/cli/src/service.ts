import { once } from "node:events";

/** Something long-running that can stop cleanly. */
export interface Service {
  close(): Promise<void>;
}

/**
 * Runs a service until SIGTERM or SIGINT, then closes it; if closing takes longer than
 * `deadlineMs` (plus a grace second) the process exits with 1. A second signal exits at once.
 */
export async function runUntilSignal(service: Service, deadlineMs: number, log: (line: string) => void): Promise<number> {
  await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
  log("stopping…");
  process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
  const deadline = setTimeout(() => {
    log(`did not stop within ${deadlineMs + 1000} ms; exiting`);
    process.exit(1);
  }, deadlineMs + 1000);
  await service.close();
  clearTimeout(deadline);
  log("stopped");
  return 0;
}

/** Writes a timestamped line to stderr (stdout is kept for machine-readable output). */
export function logLine(component: string): (line: string) => void {
  return (line) => process.stderr.write(`${new Date().toISOString()} ${component} ${line}\n`);
}
