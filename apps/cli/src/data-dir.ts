import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./usage-error.ts";

/** Whether a process with this pid runs (signal 0 tests without sending). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A pid written in a file, or undefined when there is none or it is not a number. */
function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory for this process: a second `gradtrace up` on the same directory is
 * refused (UsageError naming the pid that holds it); a lock left by a process that died is taken
 * over, and its pid returned as `diedHolding` (its runs are stranded). Returns the release.
 */
export function lockDataDir(dir: string): { release: () => void; diedHolding?: number } {
  const path = join(dir, "lock");
  let dead: number | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      const release = () => {
        if (readPid(path) === process.pid) rmSync(path, { force: true });
      };
      return dead === undefined ? { release } : { release, diedHolding: dead };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readPid(path);
      if (holder !== undefined && holder !== process.pid && alive(holder)) {
        throw new UsageError(`another gradtrace up (pid ${holder}) is using ${dir}; stop it, or give this one its own --data DIR`);
      }
      dead = holder;
      rmSync(path, { force: true });
    }
  }
  throw new UsageError(`could not lock ${dir}: another process keeps taking it`);
}

/** The port a child Redis used last time in this data directory (so printed worker commands stay valid), if any. */
export function savedPort(dir: string): number | undefined {
  const port = readPid(join(dir, "port"));
  return port !== undefined && port < 65536 ? port : undefined;
}

/** Records the child Redis's port and pid in its data directory. */
export function saveChild(dir: string, port: number, pid: number): void {
  writeFileSync(join(dir, "port"), `${port}\n`);
  writeFileSync(join(dir, "pid"), `${pid}\n`);
}

/**
 * Stops a child Redis that an earlier `gradtrace up` on this directory left running (killed with
 * -9, its child lives on in its own process group): the lock is ours, so the directory's Redis is too.
 */
export async function stopOrphan(dir: string): Promise<number | undefined> {
  const pid = readPid(join(dir, "pid"));
  if (pid === undefined || !alive(pid)) return undefined;
  // Only a redis-server: a reused pid belongs to someone else.
  const command = (() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      return "";
    }
  })();
  if (command !== "" && !command.startsWith("redis-server")) return undefined;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 5000 && alive(pid); waited += 50) await new Promise((r) => setTimeout(r, 50));
  return pid;
}

/**
 * The secret that signs this data directory's dashboard sessions: made at the first start with
 * accounts (32 random bytes, readable by its owner only) and kept, so restarts keep users logged in.
 */
export function keptSecret(dir: string): string {
  const path = join(dir, "auth-secret");
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const secret = randomBytes(32).toString("hex");
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  }
}
