"use client";
import type { RunStatusName } from "@gradtrace/core/vocabulary";

/** Each run status's colour, the same in every progress bar and its legend; bars stack them in this order (where runs ended, then where they stand). */
export const STATUS_COLOURS: Record<RunStatusName, string> = {
  completed: "#1a7f37",
  pruned: "#8250df",
  failed: "#b42318",
  timed_out: "#d4a72c",
  cancelled: "#8c959f",
  running: "#0b63c5",
  queued: "transparent",
};

const ORDER = Object.keys(STATUS_COLOURS) as RunStatusName[];

/**
 * A sweep's runs by status: one bar segment per status (queued ones are the empty rest) and the
 * counts in words, each status that has runs named ("83 completed, 14,917 cancelled of 15,000"),
 * so a cancelled sweep never reads as finished.
 */
export function StatusBar({ runs, testId }: { runs: Readonly<Record<RunStatusName | "total", number>>; testId?: string }) {
  const total = Math.max(1, runs.total);
  const named = ORDER.filter((s) => runs[s] > 0 || s === "completed");
  return (
    <>
      <span className="progress" data-testid={testId && `${testId}-bar`}>
        {ORDER.filter((s) => s !== "queued" && runs[s] > 0).map((s) => (
          <span key={s} data-status={s} title={`${runs[s]} ${s}`} style={{ width: `${(100 * runs[s]) / total}%`, background: STATUS_COLOURS[s] }} />
        ))}
      </span>{" "}
      <span data-testid={testId}>
        {named.map((s, i) => (
          <span key={s}>
            {i > 0 ? ", " : ""}
            <span className="status-dot" style={{ background: STATUS_COLOURS[s] }} />
            {runs[s].toLocaleString("en")} {s}
          </span>
        ))}{" "}
        of {runs.total.toLocaleString("en")}
      </span>
    </>
  );
}
