import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { databaseUrlFromEnv } from "./env.ts";

describe("DATABASE_URL", () => {
  it("is accepted when it is a postgres URL", () => {
    expect(databaseUrlFromEnv({ DATABASE_URL: "postgresql://u:p@db:5432/gradtrace" })).toBe("postgresql://u:p@db:5432/gradtrace");
  });

  it.each([
    [{}, "DATABASE_URL is not set"],
    [{ DATABASE_URL: "not a url" }, "not a URL"],
    [{ DATABASE_URL: "mysql://db/x" }, "postgresql://"],
  ])("is rejected with a message saying what is expected: %o", (env, message) => {
    expect(() => databaseUrlFromEnv(env)).toThrow(message);
  });

  it("is read from the file DATABASE_URL_FILE names, so the password stays out of ps", () => {
    const file = join(mkdtempSync(join(tmpdir(), "gradtrace-db-")), "url");
    writeFileSync(file, "postgresql://u:p@db:5432/gradtrace\n");
    expect(databaseUrlFromEnv({ DATABASE_URL_FILE: file })).toBe("postgresql://u:p@db:5432/gradtrace");
  });
});
