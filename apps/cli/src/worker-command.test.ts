import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/gradtrace.js", import.meta.url));
const gradtrace = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });

describe("gradtrace worker, recorder and sweep", () => {
  it.each([
    [["worker", "--device", "tpu"], {}, /--device: 'tpu' is not available; allowed: cpu/],
    [["worker", "--concurrency", "0"], {}, /--concurrency: expected a whole number from 1 to 256, got '0'/],
    [["worker", "--frobnicate"], {}, /Unknown option '--frobnicate'/],
    [["worker"], { REDIS_URL: "localhost:6379" }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [["recorder"], {}, /DATABASE_URL is not set/],
    [["sweep", "launch", "x"], {}, /unknown action 'launch'; actions: submit, status, cancel, pause, resume, retry/],
    [["sweep", "cancel", "42"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" }, /'42' is not a sweep id/],
    [["sweep", "submit", '{"name":"x","axes":{}}'], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" }, /axes\.activations: Invalid input: expected array/],
  ])("refuses %j with exit code 2 and a message saying what is wrong", (args, env, message) => {
    const result = gradtrace(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("has help for each command", () => {
    for (const command of ["worker", "recorder", "sweep"]) {
      const result = gradtrace(["help", command]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^gradtrace ${command} — `));
    }
  });
});
