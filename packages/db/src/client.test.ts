import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "./client.ts";
import { createTestDatabase, TEST_DATABASE_URL } from "./test-database.ts";

const db = await createTestDatabase("client");
afterAll(() => db.drop());

/** The settings a client's connection runs with, read back from the server. */
async function settings(url: string, schema?: string) {
  const prisma = createPrismaClient({ url, ...(schema ? { schema } : {}) });
  try {
    const [row] = await prisma.$queryRaw<[{ jit: string; timeout: string; path: string }]>`
      SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS timeout, current_setting('search_path') AS path`;
    return row;
  } finally {
    await prisma.$disconnect();
  }
}

describe("createPrismaClient", () => {
  it("connects with JIT off, whose compile time the trace store's statements never win back", async () => {
    expect((await settings(TEST_DATABASE_URL)).jit).toBe("off");
  });

  it("keeps the server settings a URL's options give, beside its own and the schema's", async () => {
    const url = `${TEST_DATABASE_URL}?options=${encodeURIComponent("-c statement_timeout=4321")}&schema=${db.schema}`;
    const got = await settings(url);
    expect(got).toEqual({ jit: "off", timeout: "4321ms", path: `"${db.schema}"` });
  });

  it("sets the schema given as an option on the search path", async () => {
    expect((await settings(TEST_DATABASE_URL, db.schema)).path).toBe(`"${db.schema}"`);
  });
});
