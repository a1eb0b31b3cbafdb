import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@gradtrace/log";
import { provideHost, type DashboardHost } from "./lib/host.ts";

/** Where the dashboard app lives: Next reads its build from here. */
const DIR = fileURLToPath(new URL(".", import.meta.url));

/** What serving the dashboard from another process needs: its connections, where to listen, a logger. */
export interface DashboardOptions extends DashboardHost {
  host: string;
  port: number;
  logger: Logger;
}

/** What serveDashboard uses of Next's programmatic server. */
interface NextServer {
  prepare(): Promise<void>;
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/**
 * Serves the dashboard from this process on the connections given (gradtrace up): builds it
 * first if it never was, hands the connections to its server code, listens, and resolves once it
 * does; `close` stops listening. Rejects with the listen error (EADDRINUSE) when it cannot.
 */
export async function serveDashboard(options: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const { logger, host, port, ...connections } = options;
  if (!existsSync(join(DIR, ".next", "BUILD_ID"))) {
    logger.info("building the dashboard (first start only; about a minute)…");
    const built = spawnSync("npm", ["run", "build", "-w", "@gradtrace/web"], { cwd: join(DIR, "..", ".."), stdio: ["ignore", "inherit", "inherit"] });
    if (built.status !== 0) throw new Error("building the dashboard failed (see above)");
  }
  provideHost({ ...connections, address: host });
  // Loaded by name, not imported with its types: they would bend the importing package's global types.
  const next = createRequire(import.meta.url)("next") as (options: object) => NextServer;
  const app = next({ dev: false, dir: DIR, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((done, fail) => server.once("error", fail).listen(port, host, done));
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}
