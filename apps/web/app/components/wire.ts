/** A number as it arrives from the API: non-finite values are spelled as strings ("NaN"). */
export type Wire = number | string | null;

/** A sweep's runs counted by status. */
export interface RunCounts {
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** A server type as JSON brings it: nullable numbers may arrive as "NaN" / "Infinity" strings. */
export type Wired<T> = null extends T
  ? Exclude<T, null> extends number
    ? Wire
    : T
  : T extends ReadonlyArray<infer U>
    ? Wired<U>[]
    : T extends object
      ? { [K in keyof T]: Wired<T[K]> }
      : T;
