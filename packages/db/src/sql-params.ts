import { Prisma } from "./generated/client.ts";

/**
 * A float as a raw-query parameter: text, so NaN and ±Infinity survive the trip (Prisma sends raw
 * parameters as JSON, which turns them into null); the SQL casts it back with ::float8.
 */
export const floatText = (v: number | null): string | null => (v === null ? null : String(v));

/**
 * A quoted SQL identifier for a name from the code's own constant lists (run axes, trace
 * metrics): identifiers cannot be bound parameters, and anything but a plain name is refused.
 */
export function ident(name: string, table?: string): Prisma.Sql {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || (table !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(table))) {
    throw new RangeError(`not a plain SQL name: ${table ?? ""}.${name}`);
  }
  return Prisma.raw(table === undefined ? `"${name}"` : `${table}."${name}"`);
}

/** Quoted identifiers separated by commas (see ident). */
export const idents = (names: readonly string[], table?: string): Prisma.Sql => Prisma.join(names.map((n) => ident(n, table)));
