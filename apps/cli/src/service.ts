import { once } from "node:events";
import type { Logger } from "@gradtrace/log";

/** Something long-running that can stop cleanly. */
export interface Service {
  close(): Promise<void>;
}

/**
 * Runs a service until SIGTERM or SIGINT, then closes it; if closing takes longer than
 * `deadlineMs` (plus a grace second) the process exits with 1. A second signal exits at once.
 */
export async function runUntilSignal(service: Service, deadlineMs: number, log: Logger): Promise<number> {
  const [signal] = (await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")])) as [NodeJS.Signals];
  log.info({ signal }, "stopping…");
  process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
  const deadline = setTimeout(() => {
    log.error(`did not stop within ${deadlineMs + 1000} ms; exiting`);
    process.exit(1);
  }, deadlineMs + 1000);
  await service.close();
  clearTimeout(deadline);
  log.info("stopped");
  return 0;
}
