import { withSecretFiles } from "@gradtrace/log";
import { z } from "zod";

/** A PostgreSQL connection URL. */
export const DatabaseUrlSchema = z
  .string({ error: "DATABASE_URL is not set; expected postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE" })
  .url({ error: "DATABASE_URL is not a URL; expected postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE" })
  .refine((url) => /^postgres(ql)?:\/\//.test(url), { error: "DATABASE_URL must start with postgresql:// or postgres://" });

/** The environment the data layer reads. */
export const DbEnvSchema = z.object({ DATABASE_URL: DatabaseUrlSchema });
export type DbEnv = z.infer<typeof DbEnvSchema>;

/** Reads DATABASE_URL (or the file DATABASE_URL_FILE names) from `env`; throws one clear message when it is missing or malformed. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = DbEnvSchema.safeParse(withSecretFiles(env, ["DATABASE_URL"]));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data.DATABASE_URL;
}
