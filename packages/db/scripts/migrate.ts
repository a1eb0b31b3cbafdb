// npm run db:migrate: applies pending migrations to DATABASE_URL.
import { databaseUrlFromEnv } from "../src/env.ts";
import { migrate } from "../src/migrations.ts";

try {
  const { applied } = await migrate({ url: databaseUrlFromEnv() });
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date");
} catch (error) {
  console.error(`db:migrate: ${(error as Error).message}`);
  process.exitCode = 1;
}
