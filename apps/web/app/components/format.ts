import type { WireNumber } from "@gradtrace/core/vocabulary";

/** A metric for a table cell: 3 significant digits, NaN and null as a dash. */
export function fmt(value: number | string | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return "–";
  const n = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : String(n);
  if (n !== 0 && (Math.abs(n) < 1e-3 || Math.abs(n) >= 1e5)) return n.toExponential(2);
  return Number(n.toPrecision(digits)).toString();
}

/** Counts as numbers again: they never are non-finite, but every number travels as a WireNumber. */
export function counts<K extends string>(wired: Record<K, WireNumber>): Record<K, number> {
  return Object.fromEntries(Object.entries(wired).map(([k, v]) => [k, Number(v)])) as Record<K, number>;
}

/** Fetches JSON from the API, throwing the API's error message on failure. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  // A body is JSON; a read sends no header of its own, so it matches a preload of the same URL (the sweep page's figures).
  const headers = init?.body === undefined ? init?.headers : { "content-type": "application/json", ...(init.headers ?? {}) };
  const response = await fetch(path, { ...init, headers });
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw Object.assign(new Error(body.error ?? response.statusText), { body, status: response.status });
  return body;
}
