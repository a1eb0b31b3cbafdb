import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const lock = JSON.parse(readFileSync(new URL("./package-lock.json", import.meta.url), "utf8")) as { packages: Record<string, { version?: string }> };
/** Every version of a package the lockfile installs, wherever it is nested. */
const versions = (name: string) =>
  new Set(
    Object.entries(lock.packages)
      .filter(([path]) => path.endsWith(`node_modules/${name}`))
      .map(([, p]) => p.version),
  );

describe("the lockfile", () => {
  it("installs one version of the Prisma packages the code runs on", () => {
    const prisma = ["prisma", "@prisma/client", "@prisma/client-runtime-utils", "@prisma/adapter-pg", "@prisma/driver-adapter-utils"].map((n) => [
      ...versions(n),
    ]);
    expect(prisma.every((v) => v.length === 1)).toBe(true);
    expect(new Set(prisma.flat()).size).toBe(1);
  });

  it("installs one PGlite: the embedded database and its Prisma adapter share it", () => {
    expect([...versions("@electric-sql/pglite")]).toHaveLength(1);
  });
});
