import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient, type PrismaClient } from "./client.ts";
import { migrate } from "./migrations.ts";

/** The database tests use: TEST_DATABASE_URL, else the local `test` database. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** A migrated schema of its own for one test file, so test files can run in parallel. */
export interface TestDatabase {
  url: string;
  schema: string;
  /** The URL with the schema as Prisma's `?schema=` parameter, for a process of its own. */
  schemaUrl: string;
  prisma: PrismaClient;
  /** Disconnects and drops the schema with everything in it. */
  drop(): Promise<void>;
}

/** Creates and migrates a fresh schema named after `label` in the test database. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const schema = `t_${label.replace(/\W/g, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  await migrate({ url: TEST_DATABASE_URL, schema });
  const prisma = createPrismaClient({ url: TEST_DATABASE_URL, schema });
  return {
    url: TEST_DATABASE_URL,
    schema,
    schemaUrl: `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes("?") ? "&" : "?"}schema=${schema}`,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await dropSchema(schema);
    },
  };
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
