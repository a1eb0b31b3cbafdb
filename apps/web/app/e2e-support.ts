// What the browser tests share: the processes they start (a production dashboard, workers), waiting
// on them, and chromium. Not a test file: vitest runs *.test.ts only.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

/** The dashboard app's directory (its production build is in .next). */
export const WEB = fileURLToPath(new URL("..", import.meta.url));
/** The compiled `gradtrace` command. */
export const CLI = fileURLToPath(new URL("../../cli/bin/gradtrace.js", import.meta.url));
export const NEXT = createRequire(import.meta.url).resolve("next/dist/bin/next");
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Fails early, saying what to do, when the dashboard was never built or chromium is missing. */
export function checkPrerequisites(): void {
  if (!existsSync(`${WEB}.next/BUILD_ID`)) throw new Error("no production build of apps/web: run `npm test` (it builds first) or `npm run build`");
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
}

/** Headless chromium as the project runs it (Debian's, no sandbox, no GPU, no background traffic). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

/** A free TCP port on loopback. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The child processes of one test file: started with a minimal environment, their output kept for failure messages, stopped together. */
export function processes() {
  const children: Array<{ child: ChildProcess; output: () => string }> = [];
  return {
    /** Starts `node command args` in production mode with only `env` (and PATH, HOME). */
    start(command: string, args: string[], env: Record<string, string>, cwd?: string) {
      const child = spawn(process.execPath, [command, ...args], {
        cwd: cwd ?? process.cwd(),
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      const entry = { child, output: () => output };
      children.push(entry);
      return entry;
    },
    /** Polls `check` every 100 ms; past `ms`, fails naming `what` with every child's output. */
    async waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${children.map((c) => c.output()).join("\n---\n")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** SIGTERM to every child. */
    stopAll(): void {
      for (const c of children) c.child.kill("SIGTERM");
    },
  };
}
