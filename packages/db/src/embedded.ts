import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { pgliteCopyRunner, registerCopyRunner } from "./bulk-load.ts";
import { PrismaClient } from "./generated/client.ts";
import { applyMigrations } from "./migrations.ts";

/** An embedded database: Postgres compiled to WebAssembly (PGlite), in this process, on disk. */
export interface EmbeddedDatabase {
  prisma: PrismaClient;
  close(): Promise<void>;
}

/**
 * Opens (or creates) the PGlite database in `dir`, applies pending migrations and returns a Prisma
 * client over it. Only this process may open it: PGlite is single-connection, which gradtrace's
 * architecture allows, as workers never touch the database.
 */
export async function openEmbeddedDatabase(dir: string): Promise<EmbeddedDatabase> {
  const pg = await PGlite.create(dir);
  await applyMigrations({ query: async (sql, params) => ({ rows: (await pg.query(sql, params)).rows as never[] }), exec: (sql) => pg.exec(sql) });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pg) });
  registerCopyRunner(prisma, pgliteCopyRunner(pg));
  return {
    prisma,
    async close() {
      await prisma.$disconnect();
      await pg.close();
    },
  };
}
