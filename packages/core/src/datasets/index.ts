import { Random } from "../random.ts";
import { SpecError, type DatasetSpec } from "../spec.ts";
import { blobs } from "./blobs.ts";
import { circles } from "./circles.ts";
import { moons } from "./moons.ts";
import type { Points } from "./points.ts";
import { spirals } from "./spirals.ts";
import { xor } from "./xor.ts";

/** One split of a dataset: standardised row-major features and labels. */
export interface Split {
  x: Float64Array;
  y: Int32Array;
  n: number;
}

/** A dataset ready to train on: features standardised with the training split's mean and std, unless the spec keeps them raw. */
export interface Dataset {
  train: Split;
  validation: Split;
  dims: number;
  classes: number;
  /** Per-feature mean and std subtracted and divided out: the training split's, or 0 and 1 for raw features. */
  mean: Float64Array;
  std: Float64Array;
}

/** The datasets that can be trained: every one but a stored reference, which stands for points kept apart. */
type TrainableDataset = Exclude<DatasetSpec, { name: "stored" }>;

function generate(spec: TrainableDataset, rng: Random): Points {
  switch (spec.name) {
    case "moons":
      return moons(spec.samples, spec.noise, rng);
    case "circles":
      return circles(spec.samples, spec.noise, spec.factor, rng);
    case "spirals":
      return spirals(spec.samples, spec.arms, spec.turns, spec.noise, rng);
    case "blobs":
      return blobs(spec.samples, spec.centers, spec.spread, rng);
    case "xor":
      return xor(spec.samples, spec.noise, rng);
    case "points":
      return {
        features: Float64Array.from(spec.features.flat()),
        labels: Int32Array.from(spec.labels),
        dims: spec.features[0]!.length,
        classes: Math.max(...spec.labels) + 1,
      };
  }
}

/** Generates (or takes) the points, splits them into train/validation (shuffled, or as an explicit split says) and standardises them unless `standardize` is false. */
export function makeDataset(dataset: DatasetSpec): Dataset {
  if (dataset.name === "stored") {
    throw new SpecError(
      [
        {
          path: "dataset",
          message: "a stored dataset stands for points kept apart by its sweep: give its points inline to train it here",
          received: `sha256:${dataset.sha256}`,
        },
      ],
      "run spec",
    );
  }
  const spec = dataset;
  const points = generate(spec, new Random(spec.seed, "dataset"));
  const { dims } = points;
  const n = points.labels.length;
  const split = spec.name === "points" ? spec.split : undefined;
  const { order, nValidation } = split ? explicitSplit(split) : shuffledSplit(spec, points);
  const take = (from: number, count: number): Split => {
    const x = new Float64Array(count * dims);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const src = order[from + i]!;
      for (let d = 0; d < dims; d++) x[i * dims + d] = points.features[src * dims + d]!;
      y[i] = points.labels[src]!;
    }
    return { x, y, n: count };
  };
  const train = take(0, n - nValidation);
  const validation = take(n - nValidation, nValidation);
  const mean = new Float64Array(dims);
  const std = new Float64Array(dims).fill(1);
  if (!spec.standardize) return { train, validation, dims, classes: points.classes, mean, std };
  for (let d = 0; d < dims; d++) {
    let s = 0;
    for (let i = 0; i < train.n; i++) s += train.x[i * dims + d]!;
    mean[d] = s / train.n;
    let v = 0;
    for (let i = 0; i < train.n; i++) v += (train.x[i * dims + d]! - mean[d]!) ** 2;
    // A constant feature carries no information; dividing by 1 keeps it at 0 instead of NaN.
    std[d] = Math.sqrt(v / train.n) || 1;
  }
  for (const split of [train, validation]) {
    for (let i = 0; i < split.n; i++) {
      for (let d = 0; d < dims; d++) split.x[i * dims + d] = (split.x[i * dims + d]! - mean[d]!) / std[d]!;
    }
  }
  return { train, validation, dims, classes: points.classes, mean, std };
}

/** Rows in the order given, the training rows first: a published split kept as it was. */
function explicitSplit(split: ReadonlyArray<"train" | "validation">): { order: Uint32Array; nValidation: number } {
  const rows = split.map((_, i) => i);
  const train = rows.filter((i) => split[i] === "train");
  return { order: Uint32Array.from([...train, ...rows.filter((i) => split[i] !== "train")]), nValidation: rows.length - train.length };
}

/** The rows shuffled by the dataset's seed, the last `validationFraction` of them (stratified if asked) for validation. */
function shuffledSplit(spec: TrainableDataset, points: Points): { order: Uint32Array; nValidation: number } {
  const n = points.labels.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Random(spec.seed, "split").shuffle(order);
  const nValidation = Math.floor(n * spec.validationFraction);
  if (spec.stratified) stratify(order, points.labels, points.classes, nValidation);
  return { order, nValidation };
}

/**
 * Reorders a shuffled `order` so that its last `nValidation` rows hold each class in proportion
 * (quotas by largest remainder, so they sum to nValidation); within each part the shuffled order stays.
 */
function stratify(order: Uint32Array, labels: Int32Array, classes: number, nValidation: number): void {
  const counts = new Array<number>(classes).fill(0);
  for (const i of order) counts[labels[i]!]!++;
  const exact = counts.map((c) => (c * nValidation) / order.length);
  const quota = exact.map(Math.floor);
  const byRemainder = exact.map((e, c) => [e - quota[c]!, c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < nValidation - quota.reduce((a, b) => a + b, 0); k++) quota[byRemainder[k]![1]]!++;
  const train: number[] = [];
  const validation: number[] = [];
  for (const i of order) {
    const c = labels[i]!;
    if (quota[c]! > 0) {
      quota[c]!--;
      validation.push(i);
    } else train.push(i);
  }
  order.set(train, 0);
  order.set(validation, train.length);
}
