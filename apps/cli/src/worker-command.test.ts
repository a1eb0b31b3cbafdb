import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startCli, until } from "./cluster.ts";

const bin = fileURLToPath(new URL("../bin/gradtrace.js", import.meta.url));
const gradtrace = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "", ...env } });

describe("gradtrace worker, recorder and sweep", () => {
  it.each([
    [["worker", "--device", "tpu"], {}, /--device: 'tpu' is not a device; allowed: cpu, gpu/],
    [["worker", "--device", "gpu", "--pack", "0"], {}, /--pack: expected a whole number from 1 to 4096, got '0'/],
    [["worker", "--pack", "16"], {}, /--pack is for --device gpu/],
    [["worker", "--concurrency", "0"], {}, /--concurrency: expected a whole number from 1 to 256, got '0'/],
    [["worker", "--frobnicate"], {}, /Unknown option '--frobnicate'/],
    [["worker"], { REDIS_URL: "localhost:6379" }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [["recorder"], {}, /DATABASE_URL is not set/],
    [["worker"], { LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [["sweep", "launch", "x"], {}, /unknown action 'launch'; actions: submit, status, cancel, pause, resume, retry/],
    [["sweep", "cancel", "42"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" }, /'42' is not a sweep id/],
    [
      ["sweep", "submit", '{"name":"x","axes":{}}'],
      { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" },
      /axes\.activations: must be a list \(got nothing\)/,
    ],
  ])("refuses %j with exit code 2 and a message saying what is wrong", (args, env, message) => {
    const result = gradtrace(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 3 with what to install when there is no GPU adapter, without hanging", () => {
    // No Vulkan driver to be found: the loader sees none, so WebGPU offers no adapter.
    const result = gradtrace(["worker", "--device", "gpu"], { VK_ICD_FILENAMES: "/nonexistent.json", VK_DRIVER_FILES: "/nonexistent.json" });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/gradtrace: no WebGPU adapter was found; .*mesa-vulkan-drivers.*--device cpu/);
    // The Vulkan loader and Dawn log what they tried (Dawn's own C++ location among it); no JavaScript stack.
    expect(result.stderr).not.toMatch(/\bat .*\.[cm]?[jt]s:\d+:\d+/);
  });

  it("a worker or recorder whose Redis password is refused exits 2 with one line; the right password starts it", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", "s3cret", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    try {
      await until(
        () => spawnSync("redis-cli", ["-p", String(port), "-a", "s3cret", "--no-auth-warning", "ping"], { encoding: "utf8" }).stdout.trim() === "PONG",
        10_000,
        "redis-server",
      );
      for (const url of [`redis://:wrong@127.0.0.1:${port}`, `redis://127.0.0.1:${port}`]) {
        const started = Date.now();
        const result = gradtrace(["worker"], { REDIS_URL: url });
        expect(result.status).toBe(2);
        expect(String(result.stderr).trim().split("\n")).toEqual([
          expect.stringMatching(/^gradtrace: Redis at 127\.0\.0\.1:\d+ refused the credentials: (WRONGPASS|NOAUTH).*check the password in REDIS_URL/),
        ]);
        expect(String(result.stderr)).not.toContain("wrong");
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      const recorder = gradtrace(["recorder"], { REDIS_URL: `redis://:wrong@127.0.0.1:${port}`, DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" });
      expect(recorder.status).toBe(2);
      const worker = startCli(["worker", "--concurrency", "1"], { REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
      await worker.waitFor(/"msg":"ready"/);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    } finally {
      redis.kill();
      await once(redis, "exit");
    }
  });

  it("has help for each command", () => {
    for (const command of ["worker", "recorder", "sweep"]) {
      const result = gradtrace(["help", command]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^gradtrace ${command} — `));
    }
  });
});
