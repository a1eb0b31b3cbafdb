import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// There is no Docker engine here: Debian's docker-compose validates the file against the Compose
// schema (unknown keys are errors) without running anything.
const SECRET = { GRADTRACE_AUTH_SECRET: "s".repeat(64) };
const compose = (file: string, ...args: string[]) =>
  spawnSync("docker-compose", ["-f", file, ...args], { encoding: "utf8", cwd: import.meta.dirname, env: { ...process.env, ...SECRET } });
const FILE = join(import.meta.dirname, "docker-compose.yml");

describe("docker-compose.yml", () => {
  it("is valid Compose, with Postgres, Redis, the migration, the dashboard, CPU and GPU workers", () => {
    const check = compose(FILE, "config", "-q");
    expect(check.error, "docker-compose is not installed: apt-get install docker-compose").toBeUndefined();
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(compose(FILE, "config", "--services").stdout.trim().split("\n").sort()).toEqual(["migrate", "postgres", "redis", "web", "worker-cpu", "worker-gpu"]);
  });

  it("has a GPU worker under the gpu profile: one NVIDIA GPU reserved, Vulkan's graphics capability, no database", () => {
    const resolved = compose(FILE, "--profile", "gpu", "config").stdout;
    const gpu = resolved.slice(resolved.indexOf("  worker-gpu:"), resolved.indexOf("volumes:", resolved.indexOf("  worker-gpu:")));
    // Only `--profile gpu` starts it: a machine without a GPU runs the rest as before.
    expect(gpu).toMatch(/profiles:\s+- gpu/);
    expect(gpu).toMatch(/driver: nvidia/);
    expect(gpu).toMatch(/capabilities:\s+- gpu/);
    expect(gpu).toMatch(/NVIDIA_DRIVER_CAPABILITIES: compute,utility,graphics/);
    expect(gpu).toMatch(/- --device\s+- gpu/);
    expect(gpu).not.toMatch(/DATABASE_URL/);
  });

  it("keeps Redis's keys (noeviction, AOF), gives workers no database, and binds the dashboard to localhost", () => {
    const resolved = compose(FILE, "config").stdout;
    expect(resolved).toMatch(/--maxmemory-policy\s+- noeviction/);
    expect(resolved).toMatch(/--appendonly\s+- "?'?yes/);
    const worker = resolved.slice(resolved.indexOf("  worker-cpu:"), resolved.indexOf("volumes:", resolved.indexOf("  worker-cpu:")));
    expect(worker).toMatch(/REDIS_URL: redis:\/\/redis:6379/);
    expect(worker).not.toMatch(/DATABASE_URL/);
    expect(resolved).toMatch(/- 127\.0\.0\.1:3000:3000/);
  });

  it("gives the dashboard, which has accounts, a session secret: without GRADTRACE_AUTH_SECRET it refuses to start, saying so", () => {
    const without = spawnSync("docker-compose", ["-f", FILE, "config", "-q"], { encoding: "utf8", env: { ...process.env, GRADTRACE_AUTH_SECRET: "" } });
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/set GRADTRACE_AUTH_SECRET to 32\+ random characters/);
    const web = compose(FILE, "config").stdout;
    expect(web).toContain(`GRADTRACE_AUTH_SECRET: ${SECRET.GRADTRACE_AUTH_SECRET}`);
  });

  it("is checked for real: an unknown key makes it invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "gt-compose-"));
    const bad = join(dir, "docker-compose.yml");
    writeFileSync(bad, readFileSync(FILE, "utf8").replace("    stop_grace_period: 15s", "    stop_grace_period: 15s\n    replicas_please: 4"));
    const check = compose(bad, "config", "-q");
    expect(check.status).not.toBe(0);
    expect(check.stderr).toMatch(/Unsupported config option for services\.worker-cpu: 'replicas_please'/);
  });
});
