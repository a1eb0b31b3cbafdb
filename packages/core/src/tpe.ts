import type { Random } from "./random.ts";

/**
 * One dimension of a search space: a number in [low, high] (on a log scale when `log`), whole
 * when `int`, or one of `choices` categories (proposed as an index).
 */
export type Dimension = { kind: "float" | "int"; low: number; high: number; log: boolean } | { kind: "categorical"; choices: number };

/** A finished trial: its value on each dimension (a category's index) and its cost (smaller is better; Infinity for a failed one). */
export interface Observation {
  values: readonly number[];
  cost: number;
}

/** How TPE proposes; Optuna's TPESampler defaults. */
export interface TpeOptions {
  /** Trials proposed at random before the model takes over. */
  startupTrials: number;
  /** Candidates drawn from l(x) per dimension, of which the one with the largest l(x)/g(x) is proposed. */
  candidates: number;
  /** Weight of the prior (a broad component over the whole range, or a uniform over the categories) in each estimator. */
  priorWeight: number;
}

export const TPE_DEFAULTS: TpeOptions = { startupTrials: 10, candidates: 24, priorWeight: 1 };

/** How many of n observations are "good": Optuna's default γ(n) = min(⌈0.1·n⌉, 25), at least 1. */
export const goodCount = (n: number): number => Math.max(1, Math.min(Math.ceil(0.1 * n), 25));

/**
 * Proposes the next trial with the tree-structured Parzen estimator (Bergstra et al. 2011,
 * "Algorithms for Hyper-Parameter Optimization"), univariate as Optuna's default TPESampler: the
 * finished trials are split into the γ(n) best and the rest; per dimension, a Parzen estimator of
 * each — Gaussians at the observations (on the log scale where the dimension is), with widths
 * from the distances to their neighbours clipped as hyperopt does, plus a broad prior; category
 * frequencies plus a uniform prior — and of `candidates` draws from the good estimator l(x), the
 * one maximising l(x)/g(x) (the expected improvement) is proposed. Before `startupTrials`
 * observations, draws are uniform. Deterministic for the same observations (in order) and `rng`.
 */
export function proposeTpe(space: readonly Dimension[], observations: readonly Observation[], rng: Random, options: TpeOptions = TPE_DEFAULTS): number[] {
  if (observations.length < options.startupTrials) return space.map((d) => fromInternal(d, uniformInternal(d, rng)));
  // Stable: equal costs keep their arrival order.
  const ranked = observations.map((o, i) => ({ o, i })).sort((a, b) => costOrder(a.o.cost, b.o.cost) || a.i - b.i);
  const n = goodCount(observations.length);
  const good = ranked.slice(0, n).map((r) => r.o);
  const bad = ranked.slice(n).map((r) => r.o);
  return space.map((d, k) => {
    const column = (os: Observation[]) => os.map((o) => o.values[k]!);
    if (d.kind === "categorical") {
      const l = categoricalEstimator(d.choices, column(good), options.priorWeight);
      const g = categoricalEstimator(d.choices, column(bad), options.priorWeight);
      return best(
        options.candidates,
        () => pick(l, rng),
        (c) => Math.log(l[c]!) - Math.log(g[c]!),
      );
    }
    const [a, b] = internalRange(d);
    const l = parzenEstimator(
      column(good).map((v) => toInternal(d, v)),
      a,
      b,
      options.priorWeight,
    );
    const g = parzenEstimator(
      column(bad).map((v) => toInternal(d, v)),
      a,
      b,
      options.priorWeight,
    );
    const x = best(
      options.candidates,
      () => sampleMixture(l, a, b, rng),
      (x) => logDensity(l, a, b, x) - logDensity(g, a, b, x),
    );
    return fromInternal(d, x);
  });
}

/** NaN and Infinity sort last. */
function costOrder(x: number, y: number): number {
  const fx = Number.isFinite(x) ? x : Infinity;
  const fy = Number.isFinite(y) ? y : Infinity;
  return fx === fy ? 0 : fx < fy ? -1 : 1;
}

/** Of n draws, the one with the highest score (the first among equals). */
function best<T>(n: number, draw: () => T, score: (x: T) => number): T {
  let top = draw();
  let topScore = score(top);
  for (let i = 1; i < n; i++) {
    const x = draw();
    const s = score(x);
    if (s > topScore) [top, topScore] = [x, s];
  }
  return top;
}

/** Where a numeric dimension's values live for the estimator: the log of the value on a log scale; whole numbers widened by ½ on each side. */
function internalRange(d: Extract<Dimension, { kind: "float" | "int" }>): [number, number] {
  const [low, high] = d.kind === "int" ? [d.low - 0.5, d.high + 0.5] : [d.low, d.high];
  return d.log ? [Math.log(low), Math.log(high)] : [low, high];
}
const toInternal = (d: Extract<Dimension, { kind: "float" | "int" }>, v: number) => (d.log ? Math.log(v) : v);

function fromInternal(d: Dimension, x: number): number {
  if (d.kind === "categorical") return x;
  const v = d.log ? Math.exp(x) : x;
  return Math.min(d.high, Math.max(d.low, d.kind === "int" ? Math.round(v) : v));
}

function uniformInternal(d: Dimension, rng: Random): number {
  if (d.kind === "categorical") return rng.int(d.choices);
  const [a, b] = internalRange(d);
  return rng.uniformIn(a, b);
}

/** A mixture of Gaussians truncated to the range. */
interface Mixture {
  mus: number[];
  sigmas: number[];
  weights: number[];
}

/**
 * The adaptive Parzen estimator of hyperopt: a Gaussian at each observation whose width is the
 * larger distance to its sorted neighbours, clipped to [range / min(100, n + 1), range], and a
 * prior Gaussian at the middle as wide as the range.
 */
function parzenEstimator(points: readonly number[], a: number, b: number, priorWeight: number): Mixture {
  const range = b - a;
  const prior = { mu: (a + b) / 2, sigma: range, weight: priorWeight, prior: true };
  const all = [...points.map((mu) => ({ mu, sigma: 0, weight: 1, prior: false })), prior].sort((x, y) => x.mu - y.mu);
  const minSigma = range / Math.min(100, all.length);
  all.forEach((c, i) => {
    if (c.prior) return;
    const left = i > 0 ? c.mu - all[i - 1]!.mu : c.mu - a;
    const right = i < all.length - 1 ? all[i + 1]!.mu - c.mu : b - c.mu;
    c.sigma = Math.min(range, Math.max(minSigma, left, right));
  });
  const total = all.reduce((s, c) => s + c.weight, 0);
  return { mus: all.map((c) => c.mu), sigmas: all.map((c) => c.sigma), weights: all.map((c) => c.weight / total) };
}

function sampleMixture(m: Mixture, a: number, b: number, rng: Random): number {
  const k = pick(m.weights, rng);
  // Rejection keeps the truncated normal exact; a component far outside the range falls back to clamping.
  for (let tries = 0; tries < 100; tries++) {
    const x = m.mus[k]! + m.sigmas[k]! * rng.normal();
    if (x >= a && x <= b) return x;
  }
  return Math.min(b, Math.max(a, m.mus[k]!));
}

function logDensity(m: Mixture, a: number, b: number, x: number): number {
  let p = 0;
  for (let i = 0; i < m.mus.length; i++) {
    const mu = m.mus[i]!;
    const s = m.sigmas[i]!;
    const mass = normalCdf((b - mu) / s) - normalCdf((a - mu) / s);
    const z = (x - mu) / s;
    p += (m.weights[i]! * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(p, 1e-300));
}

/** Category probabilities: each observation counts 1, the prior adds priorWeight spread evenly. */
function categoricalEstimator(choices: number, observed: readonly number[], priorWeight: number): number[] {
  const weights = Array<number>(choices).fill(priorWeight / choices);
  for (const c of observed) weights[c]! += 1;
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

/** An index drawn with these probabilities. */
function pick(probabilities: readonly number[], rng: Random): number {
  let u = rng.uniform();
  for (let i = 0; i < probabilities.length - 1; i++) {
    u -= probabilities[i]!;
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

/** Φ(x) through erf (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
