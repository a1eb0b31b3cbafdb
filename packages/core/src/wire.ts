/** How a non-finite number is spelled on the wire. */
export const NON_FINITE_SPELLINGS = ["NaN", "Infinity", "-Infinity"] as const;

/** A number as JSON carries it from toWire: finite as itself, NaN and ±Infinity as strings. */
export type WireNumber = number | (typeof NON_FINITE_SPELLINGS)[number];

/** A value as toWire sends it and JSON brings it back: every number may be spelled as a string, dates become ISO strings. */
export type Wired<T> = T extends number ? WireNumber : T extends Date ? string : T extends object ? { [K in keyof T]: Wired<T[K]> } : T;

/**
 * JSON has no NaN or ±Infinity (JSON.stringify writes null), yet a diverged run's losses are NaN.
 * Payloads and API answers therefore go through toWire, which spells non-finite numbers as
 * strings; fromWire and the queue's schemas read them back. It walks the value and copies only
 * the objects and arrays on the way to a non-finite number: a healthy run's records go as they are.
 */
export function toWire<T>(payload: T): Wired<T> {
  return walk(payload) as Wired<T>;
}

function walk(payload: unknown): unknown {
  if (typeof payload === "number") return Number.isFinite(payload) ? payload : String(payload);
  if (payload === null || typeof payload !== "object") return payload;
  if (Array.isArray(payload)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < payload.length; i++) {
      const wired = walk(payload[i]);
      if (wired !== payload[i]) (copy ??= [...payload])[i] = wired;
    }
    return copy ?? payload;
  }
  const object = payload as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    const wired = walk(object[key]);
    if (wired !== object[key]) (copy ??= { ...object })[key] = wired;
  }
  return copy ?? payload;
}

/** Reads a number that came through toWire back into a number (null and undefined as null). */
export function fromWire(value: WireNumber | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? Number(value) : value;
}

/**
 * A column of few distinct values as it travels: each distinct value once, then every row's index
 * into them — as one character of CODE_DIGITS per row (a string of one byte a row, against two or
 * more for a JSON array) where there are at most 64 levels, as numbers beyond.
 */
export interface CodedColumn<T> {
  levels: T[];
  codes: string | number[];
}

/** The characters that stand for codes 0…63 in a CodedColumn's codes string: none needs escaping in JSON. */
const CODE_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const DIGIT_CODES = new Map([...CODE_DIGITS].map((digit, code) => [digit, code]));

/** Codes a column whose values repeat (a sweep's settings: 10,000 runs, a handful of values): levels in order of first appearance. */
export function codeColumn<T>(values: readonly T[]): CodedColumn<T> {
  const index = new Map<T, number>();
  const codes = values.map((v) => {
    let code = index.get(v);
    if (code === undefined) index.set(v, (code = index.size));
    return code;
  });
  return { levels: [...index.keys()], codes: index.size <= CODE_DIGITS.length ? codes.map((c) => CODE_DIGITS[c]).join("") : codes };
}

/** A column's values row by row, whether it travelled coded or as they are. */
export function columnValues<T>(column: CodedColumn<T> | readonly T[]): T[] {
  if (!("codes" in column)) return [...column];
  const { levels, codes } = column;
  return typeof codes === "string" ? Array.from(codes, (digit) => levels[DIGIT_CODES.get(digit)!]!) : codes.map((c) => levels[c]!);
}
