import { DIAGNOSIS_KINDS, type DiagnosisKind, type TraceSummary } from "@gradtrace/core";

/** Seeds one `gradtrace train --seeds` may train: enough for rare-event rates, bounded so that a slip (0..4294967295) is refused. */
export const MAX_SEEDS = 100_000;

/**
 * Reads `--seeds`: comma-separated seeds and inclusive ranges, `0..999` or `0,1,2` or `0..9,100`.
 * Returns the seeds in the order given, or the problems (each naming the part that is wrong).
 */
export function parseSeeds(text: string): { seeds: number[]; problems: string[] } {
  const seeds: number[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  const asSeed = (part: string, s: string): number | undefined => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (Number.isSafeInteger(n) && n <= 2 ** 32 - 1) return n;
    problems.push(`--seeds: '${part}' is not a seed or a range; expected integers from 0 to ${2 ** 32 - 1}, as 0..999 or 0,1,2`);
    return undefined;
  };
  for (const part of text.split(",").map((p) => p.trim())) {
    const [from, to, ...extra] = part.split("..");
    const a = asSeed(part, from!);
    const b = to === undefined ? a : extra.length > 0 ? undefined : asSeed(part, to);
    if (a === undefined || b === undefined) {
      if (extra.length > 0) problems.push(`--seeds: '${part}' has more than one '..'`);
      continue;
    }
    if (b < a) {
      problems.push(`--seeds: the range '${part}' runs backwards; write ${b}..${a}`);
      continue;
    }
    if (seeds.length + (b - a + 1) > MAX_SEEDS) {
      problems.push(`--seeds: '${text}' names more than ${MAX_SEEDS} seeds`);
      return { seeds, problems };
    }
    for (let s = a; s <= b; s++) {
      if (seen.has(s)) problems.push(`--seeds: seed ${s} is named twice`);
      seen.add(s);
      seeds.push(s);
    }
  }
  return { seeds, problems: [...new Set(problems)] };
}

/** One seed's outcome as `--seeds` prints it. */
export interface SeedResult {
  seed: number;
  summary: TraceSummary;
}

/** Mean, sample standard deviation (n − 1) and count of the finite values of a metric; null where none is finite. */
export interface Spread {
  mean: number | null;
  std: number | null;
  n: number;
}

const METRICS = ["trainLoss", "trainAccuracy", "valLoss", "valAccuracy"] as const;

/** What many seeds of one setting did: outcomes counted, final metrics as mean ± std, and the fraction of seeds given each diagnosis. */
export interface Aggregate {
  runs: number;
  status: Record<TraceSummary["status"], number>;
  final: Record<(typeof METRICS)[number], Spread>;
  diagnoses: Record<DiagnosisKind, { runs: number; fraction: number }>;
}

/** Aggregates seeds' summaries (an empty list gives zero counts and null spreads). */
export function aggregate(results: readonly SeedResult[]): Aggregate {
  const spread = (values: number[]): Spread => {
    const finite = values.filter(Number.isFinite);
    const n = finite.length;
    if (n === 0) return { mean: null, std: null, n };
    const mean = finite.reduce((a, b) => a + b, 0) / n;
    const std = n < 2 ? null : Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    return { mean, std, n };
  };
  const count = (kind: DiagnosisKind) => results.filter((r) => r.summary.diagnoses.some((d) => d.kind === kind)).length;
  return {
    runs: results.length,
    status: {
      completed: results.filter((r) => r.summary.status === "completed").length,
      diverged: results.filter((r) => r.summary.status === "diverged").length,
    },
    final: Object.fromEntries(
      METRICS.map((m) => [m, spread(results.flatMap((r) => (r.summary.final[m] === null ? [] : [r.summary.final[m]])))]),
    ) as Aggregate["final"],
    diagnoses: Object.fromEntries(
      DIAGNOSIS_KINDS.map((k) => [k, { runs: count(k), fraction: results.length === 0 ? 0 : count(k) / results.length }]),
    ) as Aggregate["diagnoses"],
  };
}

const COLUMNS = ["seed", "status", "epochs", "train loss", "train acc", "val loss", "val acc", "diagnoses"] as const;
const WIDTHS = [10, 9, 7, 11, 10, 11, 10, 0];

const cell = (text: string, i: number) => (i === COLUMNS.length - 1 ? text : text.padStart(WIDTHS[i]!));
/** A metric as the tables print it: 4 decimals, `–` for none, NaN and ±Infinity spelled out. */
export const fixed = (v: number | null, digits = 4) => (v === null ? "–" : Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** The header line of `--format table`. */
export function tableHeader(): string {
  return COLUMNS.map(cell).join("  ");
}

/** One seed's line of `--format table`. */
export function tableRow({ seed, summary }: SeedResult): string {
  const f = summary.final;
  const diagnoses = summary.diagnoses.map((d) => d.kind).join(", ") || "–";
  return [
    String(seed),
    summary.status,
    String(summary.epochsRun),
    fixed(f.trainLoss),
    fixed(f.trainAccuracy),
    fixed(f.valLoss),
    fixed(f.valAccuracy),
    diagnoses,
  ]
    .map(cell)
    .join("  ");
}

/** The aggregate's lines of `--format table`: mean ± std per metric, then each diagnosis given to any seed with its share. */
export function tableFooter(a: Aggregate, seconds: number, threads: number): string {
  const pm = (s: Spread) => (s.mean === null ? "–" : `${fixed(s.mean)} ± ${fixed(s.std)}`);
  const lines = [
    "",
    `${a.runs} runs (${a.status.completed} completed, ${a.status.diverged} diverged) in ${seconds.toFixed(1)} s on ${threads} thread${threads === 1 ? "" : "s"}`,
    ...METRICS.map((m) => `  ${m.padEnd(14)} ${pm(a.final[m])}  (mean ± std over ${a.final[m].n} runs)`),
    "diagnoses:",
  ];
  const given = DIAGNOSIS_KINDS.filter((k) => a.diagnoses[k].runs > 0);
  if (given.length === 0) lines.push("  none");
  for (const k of given) lines.push(`  ${k.padEnd(20)} ${(100 * a.diagnoses[k].fraction).toFixed(1).padStart(5)}%  (${a.diagnoses[k].runs}/${a.runs})`);
  return lines.join("\n");
}
