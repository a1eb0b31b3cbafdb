import { readFileSync } from "node:fs";

/** A URL fit to print: its password (and a user name given without one, Redis's password form) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    else if (parsed.username && parsed.protocol.startsWith("redis")) parsed.username = "***";
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/**
 * `env` with each variable of `names` read from the file its `NAME_FILE` names (one trailing
 * newline dropped), so that URLs with passwords stay out of `ps` and shell history (Docker and
 * Kubernetes secrets are files). Both NAME and NAME_FILE set, or a file that cannot be read, is an
 * error naming the variable and the path, never the content.
 */
export function withSecretFiles(env: Readonly<Record<string, string | undefined>>, names: readonly string[]): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === "") continue;
    if (env[name] !== undefined && env[name] !== "") throw new Error(`${name} and ${name}_FILE are both set; set one`);
    try {
      out[name] = readFileSync(path, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      throw new Error(`${name}_FILE: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return out;
}
