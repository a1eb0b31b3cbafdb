import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMemoryLogger, describeError, redactUrl, withSecretFiles } from "./index.ts";

const captured = (env: Record<string, string> = {}) => createMemoryLogger("worker", env);

describe("logs", () => {
  it("are JSON lines naming component, level and what the child logger is about", () => {
    const { logger, lines } = captured();
    logger.child({ worker: "w1", sweepId: "s1", runId: "r1" }).info({ epoch: 3 }, "epoch done");
    expect(lines[0]).toMatchObject({ component: "worker", level: 30, worker: "w1", sweepId: "s1", runId: "r1", epoch: 3, msg: "epoch done" });
  });

  it("respect LOG_LEVEL, and refuse a level that does not exist, naming the allowed ones", () => {
    const { logger, lines } = captured({ LOG_LEVEL: "warn" });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
    expect(() => captured({ LOG_LEVEL: "loud" })).toThrow("LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent");
  });

  it("carry an error's type, message and stack", () => {
    const { logger, lines } = captured();
    logger.error({ err: new TypeError("bad") }, "failed");
    expect(lines[0]!.err).toMatchObject({ type: "TypeError", message: "bad" });
    expect(String((lines[0]!.err as { stack: string }).stack)).toContain("index.test.ts");
  });
});

describe("an error's description", () => {
  it("is never empty: an AggregateError without a message says what each of its errors was", () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: "ECONNREFUSED" });
    const error = new AggregateError([refused("::1:5432"), refused("127.0.0.1:5432")]);
    expect(error.message).toBe("");
    expect(describeError(error)).toBe("AggregateError: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432");
    expect(describeError(Object.assign(new Error(""), { code: "ETIMEDOUT" }))).toBe("ETIMEDOUT");
    expect(describeError(new Error("write failed", { cause: new Error("socket closed") }))).toBe("write failed, caused by socket closed");
    expect(describeError("text")).toBe("text");
  });
});

describe("redactUrl", () => {
  it.each([
    ["redis://:s3cret@redis.lab:6379/0", "redis://:***@redis.lab:6379/0"],
    ["redis://default:s3cret@redis.lab:6379", "redis://default:***@redis.lab:6379"],
    ["redis://s3cret@redis.lab:6379", "redis://***@redis.lab:6379"],
    ["postgresql://gradtrace:s3cret@db:5432/gradtrace?schema=x", "postgresql://gradtrace:***@db:5432/gradtrace?schema=x"],
    ["redis://127.0.0.1:6379", "redis://127.0.0.1:6379"],
    ["not a url //user:s3cret@host", "not a url //***@host"],
  ])("prints %s as %s", (url, printed) => {
    expect(redactUrl(url)).toBe(printed);
    expect(redactUrl(url)).not.toContain("s3cret");
  });
});

describe("withSecretFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradtrace-secret-"));
  const file = join(dir, "redis-url");
  writeFileSync(file, "redis://:s3cret@redis.lab:6379\n");

  it("reads NAME from the file NAME_FILE names, dropping the trailing newline", () => {
    expect(withSecretFiles({ REDIS_URL_FILE: file, OTHER: "x" }, ["REDIS_URL"])).toMatchObject({ REDIS_URL: "redis://:s3cret@redis.lab:6379", OTHER: "x" });
    expect(withSecretFiles({ REDIS_URL: "redis://a:1" }, ["REDIS_URL"]).REDIS_URL).toBe("redis://a:1");
  });

  it("names the variable and the path, never the content, when it cannot", () => {
    expect(() => withSecretFiles({ REDIS_URL_FILE: join(dir, "missing") }, ["REDIS_URL"])).toThrow(
      `REDIS_URL_FILE: cannot read '${join(dir, "missing")}' (ENOENT)`,
    );
    expect(() => withSecretFiles({ REDIS_URL_FILE: file, REDIS_URL: "redis://a:1" }, ["REDIS_URL"])).toThrow(
      "REDIS_URL and REDIS_URL_FILE are both set; set one",
    );
    try {
      withSecretFiles({ REDIS_URL_FILE: file, REDIS_URL: "redis://a:1" }, ["REDIS_URL"]);
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
    }
  });
});
