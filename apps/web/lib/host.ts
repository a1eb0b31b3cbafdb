import type { Access, Control } from "@gradtrace/control";

/**
 * What a process that hosts the dashboard hands its server code (gradtrace up, through
 * serveDashboard in server.ts): the connections it already holds, so the dashboard opens none of
 * its own — an embedded PGlite database admits one connection only. Absent when the dashboard
 * runs on its own (next start), where lib/server.ts opens connections from the environment.
 */
export interface DashboardHost {
  control: Control;
  redisUrl: string;
  prefix: string;
  /** The address the dashboard listens on: requests naming it are served besides loopback and GRADTRACE_ALLOWED_HOSTS. */
  address?: string;
  /** How requests are admitted (accounts or the local user): the host resolves it from its own settings. */
  access?: Access;
}

// Next bundles the server code apart from the process that starts it, so a module variable set
// by the host would not be the one the routes read: the hand-off goes through one registered
// symbol, written only by provideHost and read only by host().
const KEY = Symbol.for("gradtrace.dashboard-host");
type Holder = { [KEY]?: DashboardHost };

/** Hands the dashboard its host's connections; call before the first request. */
export function provideHost(host: DashboardHost): void {
  (globalThis as Holder)[KEY] = host;
}

/** The host's connections, when a host provided them. */
export function host(): DashboardHost | undefined {
  return (globalThis as Holder)[KEY];
}
