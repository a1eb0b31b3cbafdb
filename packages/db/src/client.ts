import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { pgCopyRunner, registerCopyRunner } from "./bulk-load.ts";
import { databaseUrlFromEnv, DatabaseUrlSchema } from "./env.ts";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient } from "./generated/client.ts";

/** Where a client connects: the URL, and the Postgres schema when not `public` (tests use their own). */
export interface ConnectionOptions {
  url: string;
  schema?: string;
}

/**
 * A new Prisma client over node-postgres (adapter-pg). Most callers want `getPrisma()`. With a
 * schema, generated queries name it and raw queries find it on the search_path. Its pool also
 * serves the client's COPY transactions, and closes with it.
 */
export function createPrismaClient(options: ConnectionOptions): PrismaClient {
  const { url, schema, settings } = splitUrl(options);
  // JIT off: its compile time (~20–30 ms a statement) is paid whenever the planner's estimate
  // crosses jit_above_cost, as it does on a large TraceEpoch before autovacuum has analysed it —
  // starting a batch of runs then took ~25 ms instead of ~6 — and no statement here runs long
  // enough to win it back.
  const startup = [settings, "-c jit=off", schema ? `-c search_path="${schema}"` : null].filter(Boolean).join(" ");
  const pool = new pg.Pool({ connectionString: url, options: startup });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: true }) });
  registerCopyRunner(prisma, pgCopyRunner(pool));
  return prisma;
}

/**
 * The schema may also come as Prisma's `?schema=NAME` URL parameter, which node-postgres does not
 * know; the URL's own `?options=` (server settings) are taken out too, since node-postgres would
 * let them replace the client's rather than add to them.
 */
function splitUrl({ url, schema }: ConnectionOptions): ConnectionOptions & { settings: string | null } {
  const parsed = new URL(DatabaseUrlSchema.parse(url));
  const fromUrl = parsed.searchParams.get("schema");
  const settings = parsed.searchParams.get("options");
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("options");
  return { url: parsed.toString(), schema: schema ?? fromUrl ?? undefined, settings };
}

let shared: PrismaClient | undefined;

/** The process's one Prisma client, connected to DATABASE_URL (validated on first use). */
export function getPrisma(): PrismaClient {
  shared ??= createPrismaClient({ url: databaseUrlFromEnv() });
  return shared;
}
