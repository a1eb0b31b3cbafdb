import { z } from "zod";
import { gradientRatio, type EpochRecord, type LayerInfo } from "./trace.ts";

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
] as const;
export type DiagnosisKind = (typeof DIAGNOSIS_KINDS)[number];

/**
 * Failure modes from most to least severe. not_learning comes last: it says something only once
 * a run has ended, while the others can show at any traced epoch.
 */
export const DIAGNOSIS_SEVERITY = [
  "diverged",
  "collapsed_at_init",
  "exploding_gradients",
  "vanishing_gradients",
  "dead_units",
  "saturation",
  "symmetric_units",
  "not_learning",
] as const satisfies readonly DiagnosisKind[];

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
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

/**
 * Thresholds of the diagnoses. Gradient ratios compare the first hidden layer's weight-gradient
 * norm with the output layer's: backpropagation multiplies the signal by one Jacobian per layer,
 * so the ratio is what depth did to it.
 */
export const THRESHOLDS = {
  /** First/output gradient-norm ratio below this: gradients vanish on their way back (3 orders of magnitude). */
  vanishingGradientRatio: 1e-3,
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
} as const;

const fmt = (x: number): string => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** Names the failure modes a run's traced epochs show, each with its evidence. */
export function diagnose(layers: readonly LayerInfo[], epochs: readonly EpochRecord[], divergedAt: number | null): Diagnosis[] {
  const found = new Map<DiagnosisKind, Diagnosis>();
  const note = (kind: DiagnosisKind, epoch: number, evidence: string, at: number[] = []): void => {
    if (!found.has(kind)) found.set(kind, { kind, epoch, evidence, layers: at });
  };
  const hidden = layers.filter((l) => l.kind === "hidden").map((l) => l.index);
  const output = layers.length - 1;
  const first = epochs[0];
  const last = epochs[epochs.length - 1];

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
    const firstGrad = e.layers[0]!.gradNorm;
    const outGrad = e.layers[output]!.gradNorm;
    const ratio = gradientRatio(e.layers);
    if (ratio !== null && Number.isFinite(ratio)) {
      if (ratio < THRESHOLDS.vanishingGradientRatio) {
        note("vanishing_gradients", e.epoch, `first hidden layer's gradient norm ${fmt(firstGrad)} is ${fmt(ratio)} × the output layer's ${fmt(outGrad)}`, [0]);
      } else if (ratio > THRESHOLDS.explodingGradientRatio) {
        note("exploding_gradients", e.epoch, `first hidden layer's gradient norm ${fmt(firstGrad)} is ${fmt(ratio)} × the output layer's ${fmt(outGrad)}`, [0]);
      }
    }
    const huge = e.layers.findIndex((r) => r.gradNorm > THRESHOLDS.explodingGradientNorm);
    if (huge >= 0) {
      note("exploding_gradients", e.epoch, `layer ${huge}'s gradient norm is ${fmt(e.layers[huge]!.gradNorm)} (> ${THRESHOLDS.explodingGradientNorm})`, [huge]);
    }
    const saturation = hidden.map((l) => e.layers[l]!.saturatedFraction);
    if (saturation.every((s) => s !== null)) {
      const mean = saturation.reduce((a, b) => a + b, 0) / saturation.length;
      if (mean > THRESHOLDS.saturatedFraction) {
        const worst = hidden.filter((l) => (e.layers[l]!.saturatedFraction ?? 0) > THRESHOLDS.saturatedFraction);
        note("saturation", e.epoch, `${fmt(100 * mean)}% of hidden activations are saturated on average`, worst);
      }
    }
    const dead = hidden.filter((l) => (e.layers[l]!.deadFraction ?? 0) > THRESHOLDS.deadFraction);
    if (dead.length > 0) {
      const worst = Math.max(...dead.map((l) => e.layers[l]!.deadFraction ?? 0));
      note(
        "dead_units",
        e.epoch,
        `${dead.length} hidden layer(s) have more than ${100 * THRESHOLDS.deadFraction}% dead units (worst ${fmt(100 * worst)}%)`,
        dead,
      );
    }
    const symmetric = hidden.filter((l) => layers[l]!.units > 1 && e.layers[l]!.symmetry > THRESHOLDS.symmetry);
    if (symmetric.length > 0 && e === last) {
      note(
        "symmetric_units",
        e.epoch,
        `after training, ${symmetric.length} hidden layer(s) still consist mostly of identical units (symmetry ${fmt(Math.max(...symmetric.map((l) => e.layers[l]!.symmetry)))})`,
        symmetric,
      );
    }
  }
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
