import { z } from "zod";

// Validation messages in words, for every schema of the process: "must be a whole number from 1 to
// 64" rather than zod's "Too big: expected number to be <=64" or "Invalid input: expected int,
// received number". Each issue is shown with its field path and the value given, so a message
// says only what is allowed. A schema's own message (`.max(n, "…")`) still wins over these.

const EXPECTED: Readonly<Record<string, string>> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

interface Bound {
  value: number;
  inclusive: boolean;
}

/** A number schema's checks read back: whole or not, and its bounds (zod keeps them as check definitions). */
function numberChecks(schema: z.core.$ZodType | undefined): { whole: boolean; low?: Bound; high?: Bound; step?: number } {
  const out: { whole: boolean; low?: Bound; high?: Bound; step?: number } = { whole: false };
  for (const check of schema?._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; format?: string; value?: unknown; inclusive?: boolean };
    // A safe-integer format's own bounds (±2^53) say nothing a person needs.
    if (def.check === "number_format") out.whole ||= def.format === "safeint" || def.format === "int32" || def.format === "uint32";
    else if (def.check === "multiple_of" && typeof def.value === "number") out.step = def.value;
    else if (typeof def.value === "number" && (def.check === "greater_than" || def.check === "less_than")) {
      const bound = { value: def.value, inclusive: def.inclusive ?? true };
      const side = def.check === "greater_than" ? "low" : "high";
      const current = out[side];
      // The tighter of repeated bounds (`.positive().min(1)`) is what holds.
      if (!current || (side === "low" ? bound.value > current.value : bound.value < current.value)) out[side] = bound;
    }
  }
  return out;
}

/** What a number schema allows, in words: "a whole number from 1 to 64", "a number greater than 0". */
export function allowedNumber(schema: z.core.$ZodType | undefined): string {
  const { whole, low, high, step } = numberChecks(schema);
  const kind = whole ? "a whole number" : "a number";
  const multiple = step === undefined ? "" : `, a multiple of ${step}`;
  if (low?.inclusive && high?.inclusive) return `${kind} from ${low.value} to ${high.value}${multiple}`;
  const sides = [
    low && (low.inclusive ? `at least ${low.value}` : `greater than ${low.value}`),
    high && (high.inclusive ? `at most ${high.value}` : `less than ${high.value}`),
  ].filter(Boolean);
  return `${kind}${sides.length ? ` ${sides.join(" and ")}` : ""}${multiple}`;
}

/** `"a"`, `"a" or "b"`, `one of "a", "b" or "c"`. */
function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length <= 2) return shown.join(" or ");
  return `one of ${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The message of one zod issue in words, or undefined to keep zod's (formats, custom checks). */
export function humanMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const schema = (issue as { schema?: z.core.$ZodType }).schema ?? (issue.inst as z.core.$ZodType | undefined);
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "number" || issue.expected === "int") return `must be ${allowedNumber(schema)}`;
      return EXPECTED[issue.expected] ? `must be ${EXPECTED[issue.expected]}` : undefined;
    case "too_small":
    case "too_big": {
      if (issue.origin === "number" || issue.origin === "int") return `must be ${allowedNumber(schema)}`;
      const limit = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const side = issue.code === "too_small" ? "at least" : "at most";
      if (issue.origin === "array") return `must hold ${side} ${plural(limit, "item")}`;
      if (issue.origin === "string")
        return issue.code === "too_small" && limit === 1 ? "must not be empty" : `must be ${side} ${plural(limit, "character")} long`;
      return undefined;
    }
    case "invalid_value":
      return `must be ${oneOf(issue.values)}`;
    case "invalid_union":
      // A discriminated union's tag that names no branch (an unknown activation's name).
      return Array.isArray(issue.options) && issue.options.length > 0 ? `must be ${oneOf(issue.options)}` : undefined;
    case "unrecognized_keys": {
      const shape = (schema?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape;
      const allowed = shape ? `; allowed: ${Object.keys(shape).join(", ")}` : "";
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}${allowed}`;
    }
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

z.config({ customError: humanMessage });
