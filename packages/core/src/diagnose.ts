import { z } from "zod";
import { gradientRatio, type EpochRecord, type LayerInfo, type LayerRecord } from "./trace.ts";

/** The failure modes a run can be diagnosed with. */
export const DIAGNOSIS_KINDS = [
  "vanishing_gradients",
  "exploding_gradients",
  "saturation",
  "dead_units",
  "symmetric_units",
  "diverged",
  "not_learning",
  "collapsed_at_init",
  "overfitting",
] as const;
export type DiagnosisKind = (typeof DIAGNOSIS_KINDS)[number];

/**
 * Failure modes from most to least severe. overfitting and not_learning come last: the first
 * hurts generalisation, not training, and the second says something only once a run has ended,
 * while the others can show at any traced epoch.
 */
export const DIAGNOSIS_SEVERITY = [
  "diverged",
  "collapsed_at_init",
  "exploding_gradients",
  "vanishing_gradients",
  "dead_units",
  "saturation",
  "symmetric_units",
  "overfitting",
  "not_learning",
] as const satisfies readonly DiagnosisKind[];

/**
 * Why gradients vanished, where the trace shows it:
 * - `zero_weights`: a layer above has all-zero weights, so backpropagation multiplies by 0 — the
 *   gradient below it is exactly 0 whatever the depth (zero init);
 * - `saturation`: most hidden units sit in a flat tail of the activation, whose derivative is ≈ 0;
 * - `shrinking_signal`: the weights are too small for the activation, so the activations shrink
 *   layer by layer on the way forward and the gradients with them, in every layer alike;
 * - `depth`: each layer's Jacobian shrinks the gradient on its way back, so the first layers get
 *   orders of magnitude less than the last.
 */
export const DIAGNOSIS_CAUSES = ["zero_weights", "saturation", "shrinking_signal", "depth"] as const;
export type DiagnosisCause = (typeof DIAGNOSIS_CAUSES)[number];

/** The most severe of a run's diagnosis kinds; while the run still trains (`ended` false), not_learning does not count. */
export function worstDiagnosis(kinds: ReadonlySet<DiagnosisKind>, ended: boolean): DiagnosisKind | null {
  return DIAGNOSIS_SEVERITY.find((k) => kinds.has(k) && (ended || k !== "not_learning")) ?? null;
}

/** A failure mode, the first traced epoch it showed at, and the numbers that show it. */
export const DiagnosisSchema = z.object({
  kind: z.enum(DIAGNOSIS_KINDS),
  epoch: z.number().int().min(0),
  evidence: z.string(),
  /** The layers (indices into Trace.layers) it concerns, where it concerns some. */
  layers: z.array(z.number().int().min(0)),
  /** What caused it, where the trace shows it (vanishing gradients). */
  cause: z.enum(DIAGNOSIS_CAUSES).optional(),
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

/**
 * Thresholds of the diagnoses. Gradient ratios compare the first hidden layer's weight-gradient
 * norm with the output layer's: backpropagation multiplies the signal by one Jacobian per layer,
 * so the ratio is what depth did to it. Relative gradients compare a layer's gradient norm with
 * its weight norm: how far one step of learning rate 1 would move the weights, as a fraction of
 * their size — independent of how the other layers fare.
 */
export const THRESHOLDS = {
  /** First/output gradient-norm ratio below this: gradients vanish on their way back (3 orders of magnitude). */
  vanishingGradientRatio: 1e-3,
  /**
   * A hidden layer's gradient norm below this fraction of its weight norm, while the run has not
   * learned (see minimumRelativeLossDrop), is vanishing however the other layers fare. Measured
   * at epoch 0 over 100 nets (moons, width 64, SGD 0.05, 30 epochs): nets that then trained had
   * ≥ 2e-5 (ReLU + LeCun at depth 20); 30-layer ReLU + Glorot has 4e-6, 10-layer tanh with
   * N(0, 0.01²) 8e-11.
   */
  vanishingRelativeGradient: 1e-5,
  /** Last over first hidden layer's activation std below this: the forward signal shrank with depth. */
  shrinkingSignalRatio: 1e-2,
  /** First/output gradient-norm ratio above this: gradients explode on their way back. */
  explodingGradientRatio: 1e3,
  /** Any layer's weight-gradient norm above this is exploding, whatever the ratio. */
  explodingGradientNorm: 1e3,
  /** Mean saturated fraction over hidden layers above this: most units sit in flat tails. */
  saturatedFraction: 0.5,
  /** A hidden layer with more than this fraction of dead units has lost most of its capacity. */
  deadFraction: 0.5,
  /** A hidden layer whose symmetry exceeds this has mostly copies of units: symmetry was never broken. */
  symmetry: 0.5,
  /** Final training loss must fall by at least this fraction of epoch 0's, or the run is not learning. */
  minimumRelativeLossDrop: 0.05,
  /** Output logits whose largest std across probe samples is below this are constant over inputs. */
  collapsedOutputStd: 1e-6,
  /** Overfitting: the final validation loss exceeds its minimum by more than this fraction … */
  overfittingRise: 0.25,
  /** … and by more than this much, … */
  overfittingMinimumRise: 0.02,
  /** … while the training loss fell by at least this fraction since (noise moves both; memorising lowers only one). */
  overfittingTrainingDrop: 0.25,
  /** Overfitting compares averages over this many traced epochs at least (a fiftieth of the run's traced epochs when more). */
  overfittingWindow: 5,
} as const;

const fmt = (x: number): string => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** Whether a traced epoch measured a network whose numbers are all finite. */
function finiteEpoch(e: EpochRecord): boolean {
  return Number.isFinite(e.trainLoss) && (e.valLoss === null || Number.isFinite(e.valLoss)) && e.layers.every((l) => Number.isFinite(l.weightNorm));
}

/**
 * Names the failure modes a run's traced epochs show, each with its evidence. Unit statistics
 * (saturated, dead, symmetric) are read only from epochs before a divergence: an exploded
 * network's units say nothing about how it trained.
 */
export function diagnose(layers: readonly LayerInfo[], epochs: readonly EpochRecord[], divergedAt: number | null): Diagnosis[] {
  const found = new Map<DiagnosisKind, Diagnosis>();
  const note = (kind: DiagnosisKind, epoch: number, evidence: string, at: number[] = [], cause?: DiagnosisCause): void => {
    if (!found.has(kind)) found.set(kind, { kind, epoch, evidence, layers: at, ...(cause ? { cause } : {}) });
  };
  const hidden = layers.filter((l) => l.kind === "hidden").map((l) => l.index);
  const first = epochs[0];
  const sound = epochs.filter((e) => (divergedAt === null || e.epoch < divergedAt) && finiteEpoch(e));
  const lastSound = sound[sound.length - 1];
  const stopped = divergedAt !== null && lastSound !== undefined ? `, at epoch ${lastSound.epoch}, the last before the run diverged` : "";

  if (divergedAt !== null) {
    note("diverged", divergedAt, `loss or parameters became NaN/Infinity during epoch ${divergedAt}; training stopped there`);
  }
  if (first && first.epoch === 0 && first.outputStd < THRESHOLDS.collapsedOutputStd) {
    note(
      "collapsed_at_init",
      0,
      `at initialisation the output logits vary by at most ${fmt(first.outputStd)} (std) across inputs: the network computes a constant`,
    );
  }
  for (const e of epochs) {
    const vanishing = vanishingAt(layers, hidden, e, first);
    if (vanishing) note("vanishing_gradients", e.epoch, vanishing.evidence, vanishing.layers, vanishing.cause);
    const ratio = gradientRatio(e.layers);
    if (ratio !== null && ratio > THRESHOLDS.explodingGradientRatio) {
      note("exploding_gradients", e.epoch, `first hidden layer's gradient norm ${fmt(e.layers[0]!.gradNorm)} is ${fmt(ratio)} × the output layer's`, [0]);
    }
    const huge = e.layers.findIndex((r) => r.gradNorm > THRESHOLDS.explodingGradientNorm);
    if (huge >= 0) {
      note("exploding_gradients", e.epoch, `layer ${huge}'s gradient norm is ${fmt(e.layers[huge]!.gradNorm)} (> ${THRESHOLDS.explodingGradientNorm})`, [huge]);
    }
  }
  for (const e of sound) {
    const at = e === lastSound ? stopped : "";
    const saturated = saturatedLayers(hidden, e);
    if (saturated) note("saturation", e.epoch, `${fmt(100 * saturated.mean)}% of hidden activations are saturated on average${at}`, saturated.layers);
    const dead = hidden.filter((l) => (e.layers[l]!.deadFraction ?? 0) > THRESHOLDS.deadFraction);
    if (dead.length > 0) {
      const worst = Math.max(...dead.map((l) => e.layers[l]!.deadFraction ?? 0));
      note(
        "dead_units",
        e.epoch,
        `${dead.length} hidden layer(s) have more than ${100 * THRESHOLDS.deadFraction}% dead units (worst ${fmt(100 * worst)}%)${at}`,
        dead,
      );
    }
  }
  if (lastSound) {
    const symmetric = hidden.filter((l) => layers[l]!.units > 1 && lastSound.layers[l]!.symmetry > THRESHOLDS.symmetry);
    if (symmetric.length > 0) {
      const worst = Math.max(...symmetric.map((l) => lastSound.layers[l]!.symmetry));
      const when = divergedAt === null ? "after training" : `at epoch ${lastSound.epoch}, the last before the run diverged`;
      note(
        "symmetric_units",
        lastSound.epoch,
        `${when}, ${symmetric.length} hidden layer(s) still consist mostly of identical units (symmetry ${fmt(worst)})`,
        symmetric,
      );
    }
  }
  const overfit = overfitting(sound);
  if (overfit) note("overfitting", overfit.epoch, overfit.evidence);
  const last = epochs[epochs.length - 1];
  if (first && last && last !== first && divergedAt === null) {
    const drop = (first.trainLoss - last.trainLoss) / first.trainLoss;
    if (!(drop >= THRESHOLDS.minimumRelativeLossDrop)) {
      note(
        "not_learning",
        last.epoch,
        `training loss went from ${fmt(first.trainLoss)} to ${fmt(last.trainLoss)} (${fmt(100 * drop)}% drop, < ${100 * THRESHOLDS.minimumRelativeLossDrop}%)`,
      );
    }
  }
  return [...found.values()];
}

function saturatedLayers(hidden: readonly number[], e: EpochRecord): { mean: number; layers: number[] } | null {
  const fractions = hidden.map((l) => e.layers[l]!.saturatedFraction);
  if (fractions.some((s) => s === null)) return null;
  const mean = (fractions as number[]).reduce((a, b) => a + b, 0) / fractions.length;
  if (!(mean > THRESHOLDS.saturatedFraction)) return null;
  return { mean, layers: hidden.filter((l) => (e.layers[l]!.saturatedFraction ?? 0) > THRESHOLDS.saturatedFraction) };
}

/**
 * Vanishing gradients at one epoch, by either test: relative (the first hidden layer gets < 1e-3
 * of the output layer's gradient) or absolute (hidden layers whose gradient is < 1e-5 of their
 * weights while nothing has been learned yet — a converged net's small gradients do not count).
 */
function vanishingAt(
  layers: readonly LayerInfo[],
  hidden: readonly number[],
  e: EpochRecord,
  first: EpochRecord | undefined,
): { evidence: string; layers: number[]; cause: DiagnosisCause } | null {
  const output = layers.length - 1;
  const ratio = gradientRatio(e.layers);
  const relative = ratio !== null && ratio < THRESHOLDS.vanishingGradientRatio;
  const learned = first !== undefined && first.trainLoss - e.trainLoss >= THRESHOLDS.minimumRelativeLossDrop * first.trainLoss;
  const relativeGradient = (r: LayerRecord) => r.gradNorm / r.weightNorm;
  const tiny = learned ? [] : hidden.filter((l) => e.layers[l]!.weightNorm > 0 && relativeGradient(e.layers[l]!) < THRESHOLDS.vanishingRelativeGradient);
  // A hidden layer with exactly no gradient under a layer of all-zero weights: nothing comes back.
  const zeroAbove = hidden.find((l) => e.layers[l]!.gradNorm === 0 && e.layers.slice(l + 1).some((r) => r.weightNorm === 0));
  if (zeroAbove !== undefined) {
    const zero = e.layers.flatMap((r, l) => (l > zeroAbove && r.weightNorm === 0 ? [l === output ? "the output layer" : `layer ${l}`] : []));
    const which = zero.length === 1 ? `${zero[0]}'s weights are` : `the weights of ${zero.join(", ")} are`;
    const stuck = hidden.filter((l) => e.layers[l]!.gradNorm === 0);
    return {
      evidence: `${stuck.length} hidden layer(s) get a gradient of exactly 0 because ${which} all 0: backpropagation multiplies by them, whatever the depth`,
      layers: stuck,
      cause: "zero_weights",
    };
  }
  if (!relative && tiny.length === 0) return null;
  const saturated = saturatedLayers(hidden, e);
  const firstStd = e.layers[hidden[0]!]!.activationStd;
  const lastStd = e.layers[hidden[hidden.length - 1]!]!.activationStd;
  const shrunk = hidden.length > 1 && firstStd > 0 && lastStd / firstStd < THRESHOLDS.shrinkingSignalRatio;
  const cause: DiagnosisCause = saturated ? "saturation" : shrunk ? "shrinking_signal" : relative ? "depth" : "shrinking_signal";
  const because = {
    zero_weights: "",
    saturation: `; ${fmt(100 * (saturated?.mean ?? 0))}% of hidden activations sit in flat tails`,
    shrinking_signal: shrunk
      ? `; activations shrink with depth (std ${fmt(firstStd)} in the first hidden layer, ${fmt(lastStd)} in the last)`
      : "; the weights are too small for the signal to carry",
    depth: "; each layer's Jacobian shrinks the gradient on its way back",
  }[cause];
  if (relative) {
    return {
      evidence: `first hidden layer's gradient norm ${fmt(e.layers[0]!.gradNorm)} is ${fmt(ratio)} × the output layer's ${fmt(e.layers[output]!.gradNorm)}${because}`,
      layers: tiny.length === 0 ? [0] : tiny,
      cause,
    };
  }
  const worst = Math.min(...tiny.map((l) => relativeGradient(e.layers[l]!)));
  return {
    evidence: `${tiny.length} hidden layer(s) get gradients under ${fmt(THRESHOLDS.vanishingRelativeGradient)} × their weight norm (smallest ${fmt(worst)}) before the loss has fallen${because}`,
    layers: tiny,
    cause,
  };
}

/**
 * Overfitting: the validation loss, averaged over a window of traced epochs (a fiftieth of them,
 * at least overfittingWindow) so that minibatch noise does not count, ends well above its lowest
 * average while the training loss average fell by a quarter or more since. The epoch is the first from which
 * the average stayed above the threshold to the end.
 */
function overfitting(epochs: readonly EpochRecord[]): { epoch: number; evidence: string } | null {
  const points = epochs.filter((e) => e.valLoss !== null);
  const w = Math.max(THRESHOLDS.overfittingWindow, Math.floor(points.length / 50));
  if (points.length < 2 * w) return null;
  const mean = (i: number, k: (e: EpochRecord) => number) => points.slice(i - w + 1, i + 1).reduce((s, e) => s + k(e), 0) / w;
  const val = (i: number) => mean(i, (e) => e.valLoss!);
  const trainLoss = (i: number) => mean(i, (e) => e.trainLoss);
  let best = w - 1;
  for (let i = w; i < points.length; i++) if (val(i) < val(best)) best = i;
  const end = points.length - 1;
  const threshold = Math.max(val(best) * (1 + THRESHOLDS.overfittingRise), val(best) + THRESHOLDS.overfittingMinimumRise);
  if (!(val(end) > threshold && trainLoss(end) < (1 - THRESHOLDS.overfittingTrainingDrop) * trainLoss(best))) return null;
  let from = end;
  while (from > best + 1 && val(from - 1) > threshold) from--;
  const at = (i: number) => points[i]!.epoch;
  return {
    epoch: at(from),
    evidence: `validation loss (mean over ${w} traced epochs) rose from ${fmt(val(best))} at epoch ${at(best)} to ${fmt(val(end))} at epoch ${at(end)} (above ${fmt(threshold)} from epoch ${at(from)}) while training loss fell from ${fmt(trainLoss(best))} to ${fmt(trainLoss(end))}`,
  };
}
