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
  const { url, schema } = splitSchema(options);
  const pool = new pg.Pool({ connectionString: url, ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: true }) });
  registerCopyRunner(prisma, pgCopyRunner(pool));
  return prisma;
}

/** The schema may also come as Prisma's `?schema=NAME` URL parameter, which node-postgres does not know. */
function splitSchema({ url, schema }: ConnectionOptions): ConnectionOptions {
  const parsed = new URL(DatabaseUrlSchema.parse(url));
  const fromUrl = parsed.searchParams.get("schema");
  parsed.searchParams.delete("schema");
  return { url: parsed.toString(), schema: schema ?? fromUrl ?? undefined };
}

let shared: PrismaClient | undefined;

/** The process's one Prisma client, connected to DATABASE_URL (validated on first use). */
export function getPrisma(): PrismaClient {
  shared ??= createPrismaClient({ url: databaseUrlFromEnv() });
  return shared;
}
