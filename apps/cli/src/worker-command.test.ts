import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
      /axes\.activations: Invalid input: expected array/,
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

  it("has help for each command", () => {
    for (const command of ["worker", "recorder", "sweep"]) {
      const result = gradtrace(["help", command]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^gradtrace ${command} — `));
    }
  });
});
