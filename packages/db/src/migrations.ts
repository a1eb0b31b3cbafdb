import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { ConnectionOptions } from "./client.ts";

/** prisma/migrations at the repository root: Prisma's own layout, so `prisma migrate deploy` also works. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
/** prisma/schema.prisma. */
export const SCHEMA_FILE = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));
/** Each migration folder keeps the schema it migrates to, so the next diff needs no database. */
export const SNAPSHOT_FILE = "schema.snapshot";
/** The advisory lock `prisma migrate` takes, so this runner and Prisma's exclude each other too. */
const MIGRATION_LOCK = 72707369;

/** One migration folder: its name, SQL and Prisma's checksum of it (SHA-256, hex). */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations in `dir`, oldest first (folder names start with a UTC timestamp). */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** The schema the newest migration leads to, or null when there is none yet. */
export function latestSnapshot(dir = MIGRATIONS_DIR): string | null {
  const last = readMigrations(dir).at(-1);
  return last ? readFileSync(join(dir, last.name, SNAPSHOT_FILE), "utf8") : null;
}

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

/**
 * A node-postgres client on `url` whose search_path is `schema` (created when missing). Creating
 * a schema races with another process creating it, so `before` runs first: migrate takes its lock there.
 */
export async function connect({ url, schema }: ConnectionOptions, before?: (client: pg.Client) => Promise<unknown>): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await before?.(client);
    if (schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
      await client.query(`SET search_path TO ${quote(schema)}`);
    }
    return client;
  } catch (error) {
    await client.end();
    throw error;
  }
}

/** What applying migrations needs of a connection: node-postgres and PGlite both offer it. */
export interface MigrationSession {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<unknown>;
}

/**
 * Applies the pending migrations of `dir` and records them in `_prisma_migrations` as Prisma does,
 * under Prisma's advisory lock: processes that start at once apply each migration once. Throws
 * when an applied migration's file has changed since, or a migration fails (recorded with its log).
 */
export async function migrate(target: ConnectionOptions, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const client = await connect(target, (c) => c.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]));
  try {
    const session: MigrationSession = {
      query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as R[] }),
      exec: (sql) => client.query(sql),
    };
    return await applyMigrations(session, dir);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Applies the pending migrations on an open session that no other migrator uses (see migrate). */
export async function applyMigrations(session: MigrationSession, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = readMigrations(dir);
  await session.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  const { rows } = await session.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const applied: string[] = [];
  for (const m of migrations) {
    const checksum = done.get(m.name);
    if (checksum !== undefined) {
      if (checksum !== m.checksum)
        throw new Error(`migration ${m.name} was edited after it was applied (checksum ${checksum} in the database, ${m.checksum} on disk)`);
      continue;
    }
    const id = randomUUID();
    await session.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`, [id, m.checksum, m.name]);
    try {
      await session.exec("BEGIN");
      await session.exec(m.sql);
      await session.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      await session.exec("COMMIT");
    } catch (error) {
      await session.exec("ROLLBACK");
      await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String(error)]);
      throw new Error(`migration ${m.name} failed: ${(error as Error).message}`);
    }
    applied.push(m.name);
  }
  return { applied };
}
