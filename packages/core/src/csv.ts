/** One CSV value: null and undefined are empty; text with a comma, quote or line break is quoted (RFC 4180). */
function csvValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: the header, then one line per row, each ending in a line break. */
export function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((row) => `${row.map(csvValue).join(",")}\n`).join("");
}
