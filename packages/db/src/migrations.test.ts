import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { connect, latestSnapshot, migrate, MIGRATIONS_DIR, readMigrations, SCHEMA_FILE } from "./migrations.ts";
import { diffSchemas } from "./schema-engine.ts";
import { dropSchema, TEST_DATABASE_URL } from "./test-database.ts";

const schemas: string[] = [];
const fresh = (label: string): string => {
  const schema = `t_mig_${label}_${Math.random().toString(36).slice(2, 8)}`;
  schemas.push(schema);
  return schema;
};
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

/** The catalog of a schema as comparable text: columns, constraints, indexes and enum types. */
async function catalog(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql, [schema])).rows.map((r) => JSON.stringify(r));
    return [
      ...(await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length
        FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`)),
      ...(await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace = $1::regnamespace AND conname <> '_prisma_migrations_pkey' ORDER BY conname`)),
      ...(await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations' ORDER BY indexname`)),
      ...(await q(`SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = $1::regnamespace ORDER BY t.typname, e.enumsortorder`)),
    ].map((line) => line.replaceAll(`"${schema}".`, "").replaceAll(`${schema}.`, ""));
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  it("keep Prisma's layout: timestamped folders with migration.sql, and a lock file", () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    for (const m of migrations) expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(readFileSync(join(MIGRATIONS_DIR, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
  });

  it("are not behind prisma/schema.prisma (else: npm run db:migration -- <name>)", async () => {
    expect(await diffSchemas(latestSnapshot(), readFileSync(SCHEMA_FILE, "utf8"))).toBe("");
  });

  it("build exactly the database that schema.prisma describes", async () => {
    const fromMigrations = fresh("a");
    await migrate({ url: TEST_DATABASE_URL, schema: fromMigrations });
    const fromSchema = fresh("b");
    const client = await connect({ url: TEST_DATABASE_URL, schema: fromSchema });
    try {
      await client.query(await diffSchemas(null, readFileSync(SCHEMA_FILE, "utf8")));
    } finally {
      await client.end();
    }
    const [a, b] = [await catalog(fromMigrations), await catalog(fromSchema)];
    expect(a.length).toBeGreaterThan(40);
    expect(a).toEqual(b);
  });

  it("apply once when several processes start at once, and record each in _prisma_migrations", async () => {
    const schema = fresh("c");
    const results = await Promise.all([1, 2, 3].map(() => migrate({ url: TEST_DATABASE_URL, schema })));
    const count = readMigrations().length;
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, count]);
    const client = await connect({ url: TEST_DATABASE_URL, schema });
    try {
      const { rows } = await client.query(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"`);
      expect(rows).toHaveLength(count);
      expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1 && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    } finally {
      await client.end();
    }
    expect((await migrate({ url: TEST_DATABASE_URL, schema })).applied).toEqual([]);
  });

  it("refuse to run when an applied migration was edited, and record a failing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const schema = fresh("d");
    await migrate({ url: TEST_DATABASE_URL, schema }, dir);
    const first = readMigrations(dir)[0]!;
    writeFileSync(join(dir, first.name, "migration.sql"), `${first.sql}\n-- edited`);
    await expect(migrate({ url: TEST_DATABASE_URL, schema }, dir)).rejects.toThrow(/edited after it was applied/);
    writeFileSync(join(dir, first.name, "migration.sql"), first.sql);
    cpSync(join(dir, first.name), join(dir, "29991231000000_broken"), { recursive: true });
    writeFileSync(join(dir, "29991231000000_broken", "migration.sql"), "ALTER TABLE nowhere ADD COLUMN x int;");
    await expect(migrate({ url: TEST_DATABASE_URL, schema }, dir)).rejects.toThrow(/29991231000000_broken failed/);
  });
});
