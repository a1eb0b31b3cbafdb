import { PRE_ACTIVATION_RANGE, Random, type EpochRecord, type LayerInfo, type RunSpecInput } from "@gradtrace/core";

/** The canonical depth-8 shape's layers: 8 hidden ReLU layers of 64 units, then the 2-class output. */
export const CANONICAL_LAYERS: LayerInfo[] = Array.from({ length: 9 }, (_, index) => ({
  index,
  kind: index < 8 ? "hidden" : "output",
  inputs: index === 0 ? 2 : 64,
  units: index < 8 ? 64 : 2,
  activation: index < 8 ? "relu" : "softmax",
  histogramRange: [-4, 4],
  histogramScale: "symlog",
  preActivationRange: [PRE_ACTIVATION_RANGE[0], PRE_ACTIVATION_RANGE[1]],
}));

const activations = ["logistic", "tanh", "relu", "leaky_relu"];
const inits = ["zeros", "xavier_normal", "he_normal", "lecun_normal", "orthogonal"];

/** RunSpecs of `runs` distinct runs of the canonical depth-8 shape, `epochs` epochs each, traced every epoch. */
export function syntheticSpecs(runs: number, epochs: number): RunSpecInput[] {
  return Array.from({ length: runs }, (_, i) => ({
    dataset: { name: "moons" },
    model: { hidden: Array(8).fill(64), activation: activations[i % 4] as "relu", weightInit: inits[Math.floor(i / 4) % 5] as "he_normal" },
    training: { epochs, seed: Math.floor(i / 20) },
  }));
}

/**
 * How a synthetic trace's histograms are filled: `shaped` like a trained network's (a bump a few
 * bins wide at a random place, a ReLU layer's zeros in the bin of 0; calibrated by a test
 * against the canonical cell's packed size), or `uniform` (every bin near the mean: the worst case
 * for the varints, what the benches used before).
 */
export type SyntheticHistograms = "shaped" | "uniform";

/**
 * A synthetic traced epoch of the canonical shape for the benches: every metric set, 30-bin
 * activation and pre-activation histograms counting 256 × units values each. Training that many runs would take the bench's time.
 */
export function syntheticEpoch(rng: Random, epoch: number, histograms: SyntheticHistograms = "shaped"): EpochRecord {
  const bins = 30;
  return {
    epoch,
    trainLoss: Math.exp(-epoch / 30) + 0.05 * rng.uniform(),
    trainAccuracy: 1 - Math.exp(-epoch / 30) / 2,
    valLoss: Math.exp(-epoch / 30) + 0.1 * rng.uniform(),
    valAccuracy: 1 - Math.exp(-epoch / 25) / 2,
    outputStd: rng.uniform(),
    layers: CANONICAL_LAYERS.map((l) => {
      const counts = (zeroShare: number) =>
        histograms === "uniform" ? uniformCounts(rng, bins, 256 * l.units) : shapedCounts(rng, bins, 256 * l.units, zeroShare);
      return {
        gradNorm: rng.uniform() * 10 ** -rng.int(6),
        biasGradNorm: rng.uniform(),
        weightNorm: 5 + rng.uniform(),
        updateRatio: epoch === 0 ? null : rng.uniform() * 1e-3,
        preActivationMean: rng.normal(),
        preActivationStd: rng.uniform(),
        activationMean: rng.normal(),
        activationStd: rng.uniform(),
        saturatedFraction: null,
        deadFraction: l.kind === "hidden" ? rng.uniform() : null,
        symmetry: 0,
        histogram: counts(l.kind === "hidden" ? 0.3 + 0.4 * rng.uniform() : 0),
        preActivationHistogram: counts(0),
      };
    }),
  };
}

/** `total` values in lumps of 64 dropped into bins at random. */
function uniformCounts(rng: Random, bins: number, total: number): number[] {
  const histogram = new Array<number>(bins).fill(0);
  for (let k = 0; k < total; k += 64) histogram[rng.int(bins)]! += 64;
  return histogram;
}

/** `total` values: `zeroShare` of them in bin 0 (a ReLU's h ≤ 0), the rest a normal bump 1–5 bins wide centred at random. */
function shapedCounts(rng: Random, bins: number, total: number, zeroShare: number): number[] {
  const centre = rng.uniform() * bins;
  const width = 1 + 4 * rng.uniform();
  const weights = Array.from({ length: bins }, (_, b) => Math.exp(-(((b + 0.5 - centre) / width) ** 2) / 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  const zeros = Math.round(zeroShare * total);
  const histogram = weights.map((w) => Math.floor(((total - zeros) * w) / sum));
  histogram[0]! += zeros;
  // What flooring left over goes to the fullest bin, so the counts sum to `total`.
  const fullest = histogram.indexOf(Math.max(...histogram));
  histogram[fullest]! += total - histogram.reduce((a, b) => a + b, 0);
  return histogram;
}
