/**
 * A float as a raw-query parameter: text, so NaN and ±Infinity survive the trip (Prisma sends raw
 * parameters as JSON, which turns them into null); the SQL casts it back with ::float8.
 */
export const floatText = (v: number | null): string | null => (v === null ? null : String(v));
