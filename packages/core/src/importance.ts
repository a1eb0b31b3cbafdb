/**
 * How much of an outcome's variance each setting, and each pair of settings, explains: a
 * functional ANOVA (Hooker 2007; Hutter et al. 2014, "An Efficient Approach for Assessing
 * Hyperparameter Importance") under the uniform measure over each setting's levels.
 *
 * On a complete grid the decomposition is exact, from the cell means: a setting's main effect is
 * the mean over the others at each of its levels minus the grand mean, a pair's interaction what
 * the pair's means add beyond both main effects. On an incomplete grid (a random sample, a search,
 * cells lost to divergence) the cell means of the missing cells are unknown, so a model of main
 * effects and pairwise interactions (one-hot, least squares) is fitted to the cells there are and
 * decomposed over the whole grid instead; the fraction it leaves unexplained is reported.
 */

/** One observation: a level of every setting (its index into that setting's levels) and the outcome. */
export interface ImportanceRow {
  levels: readonly number[];
  value: number;
}

/** Fractions of the outcome's variance (over the grid of levels), by setting and by pair of settings. */
export interface Importance {
  /** "exact" on a complete grid; "pairwise model" otherwise. */
  method: "exact" | "pairwise model";
  /** Per setting, in the order given. */
  main: number[];
  /** Per pair [i, j] with i < j, in order. */
  pairs: Array<{ settings: [number, number]; fraction: number }>;
  /** What neither main effects nor pairs explain: higher-order interactions (exact), or what the model misses. */
  rest: number;
  /** Cells of the grid with an outcome, and cells in all. */
  cells: number;
  grid: number;
}

/**
 * The functional ANOVA of `rows` over settings with `sizes[i]` levels each. Rows with a
 * non-finite value are left out; several rows in one cell (seeds) are averaged. Null when fewer
 * than two cells have an outcome, or the outcome does not vary.
 */
export function functionalAnova(sizes: readonly number[], rows: readonly ImportanceRow[]): Importance | null {
  const k = sizes.length;
  const grid = sizes.reduce((n, s) => n * s, 1);
  const sums = new Map<number, { sum: number; n: number }>();
  for (const row of rows) {
    if (!Number.isFinite(row.value)) continue;
    const cell = cellIndex(sizes, row.levels);
    const entry = sums.get(cell) ?? { sum: 0, n: 0 };
    entry.sum += row.value;
    entry.n += 1;
    sums.set(cell, entry);
  }
  if (sums.size < 2) return null;
  const observed = [...sums].map(([cell, { sum, n }]) => ({ cell, mean: sum / n }));
  const complete = observed.length === grid;
  const table = new Float64Array(grid);
  let explainedByModel = 1;
  if (complete) {
    for (const { cell, mean } of observed) table[cell] = mean;
  } else {
    const fit = fitPairwise(sizes, observed);
    table.set(fit.table);
    explainedByModel = fit.r2;
  }
  const mu = table.reduce((s, v) => s + v, 0) / grid;
  const total = table.reduce((s, v) => s + (v - mu) ** 2, 0) / grid;
  if (!(total > 1e-300)) return null;
  const levelsOf = (cell: number) => decode(sizes, cell);
  // Main effects: the mean over the others at each level, minus the grand mean.
  const marginals = sizes.map((s) => new Float64Array(s));
  const pairMeans = new Map<string, Float64Array>();
  for (let cell = 0; cell < grid; cell++) {
    const levels = levelsOf(cell);
    for (let i = 0; i < k; i++) marginals[i]![levels[i]!]! += table[cell]! / (grid / sizes[i]!);
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const key = `${i},${j}`;
        const m = pairMeans.get(key) ?? new Float64Array(sizes[i]! * sizes[j]!);
        m[levels[i]! * sizes[j]! + levels[j]!]! += table[cell]! / (grid / (sizes[i]! * sizes[j]!));
        pairMeans.set(key, m);
      }
  }
  const main = marginals.map((m) => m.reduce((s, v) => s + (v - mu) ** 2, 0) / m.length / total);
  const pairs: Importance["pairs"] = [];
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      const m = pairMeans.get(`${i},${j}`)!;
      let v = 0;
      for (let a = 0; a < sizes[i]!; a++) for (let b = 0; b < sizes[j]!; b++) v += (m[a * sizes[j]! + b]! - marginals[i]![a]! - marginals[j]![b]! + mu) ** 2;
      pairs.push({ settings: [i, j], fraction: v / m.length / total });
    }
  const explained = main.reduce((s, v) => s + v, 0) + pairs.reduce((s, p) => s + p.fraction, 0);
  // On a model's table the decomposition explains all of it (the model has no higher terms): the rest is what the model missed.
  const rest = complete ? Math.max(0, 1 - explained) : Math.max(0, 1 - explainedByModel);
  const scale = complete ? 1 : explainedByModel;
  return {
    method: complete ? "exact" : "pairwise model",
    main: main.map((v) => v * scale),
    pairs: pairs.map((p) => ({ ...p, fraction: p.fraction * scale })),
    rest,
    cells: observed.length,
    grid,
  };
}

function cellIndex(sizes: readonly number[], levels: readonly number[]): number {
  let cell = 0;
  for (let i = 0; i < sizes.length; i++) cell = cell * sizes[i]! + levels[i]!;
  return cell;
}

function decode(sizes: readonly number[], cell: number): number[] {
  const levels = new Array<number>(sizes.length);
  for (let i = sizes.length - 1; i >= 0; i--) {
    levels[i] = cell % sizes[i]!;
    cell = Math.floor(cell / sizes[i]!);
  }
  return levels;
}

/**
 * Least squares of the observed cell means on one-hot main effects and pairwise interactions
 * (a small ridge keeps the normal equations solvable where cells are missing), evaluated on
 * every cell of the grid; r2 is the fraction of the observed cells' variance it explains.
 */
function fitPairwise(sizes: readonly number[], observed: ReadonlyArray<{ cell: number; mean: number }>): { table: Float64Array; r2: number } {
  const k = sizes.length;
  const offsets: number[] = [];
  let p = 1;
  for (let i = 0; i < k; i++) {
    offsets.push(p);
    p += sizes[i]!;
  }
  const pairOffsets = new Map<string, number>();
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      pairOffsets.set(`${i},${j}`, p);
      p += sizes[i]! * sizes[j]!;
    }
  const features = (cell: number): number[] => {
    const l = decode(sizes, cell);
    const f = [0];
    for (let i = 0; i < k; i++) f.push(offsets[i]! + l[i]!);
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) f.push(pairOffsets.get(`${i},${j}`)! + l[i]! * sizes[j]! + l[j]!);
    return f;
  };
  const ata = new Float64Array(p * p);
  const atb = new Float64Array(p);
  for (const { cell, mean } of observed) {
    const f = features(cell);
    for (const a of f) {
      atb[a]! += mean;
      for (const b of f) ata[a * p + b]! += 1;
    }
  }
  for (let a = 0; a < p; a++) ata[a * p + a]! += 1e-6 * observed.length;
  const beta = solveSymmetric(ata, atb, p);
  const predict = (cell: number) => features(cell).reduce((s, a) => s + beta[a]!, 0);
  const table = new Float64Array(sizes.reduce((n, s) => n * s, 1));
  for (let cell = 0; cell < table.length; cell++) table[cell] = predict(cell);
  const meanObserved = observed.reduce((s, o) => s + o.mean, 0) / observed.length;
  const ssTotal = observed.reduce((s, o) => s + (o.mean - meanObserved) ** 2, 0);
  const ssResidual = observed.reduce((s, o) => s + (o.mean - predict(o.cell)) ** 2, 0);
  return { table, r2: ssTotal > 0 ? Math.max(0, 1 - ssResidual / ssTotal) : 1 };
}

/** Solves A x = b for symmetric positive definite A (Cholesky). */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let m = 0; m < j; m++) s -= l[i * n + m]! * l[j * n + m]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i * n + m]! * y[m]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let m = i + 1; m < n; m++) s -= l[m * n + i]! * x[m]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}
