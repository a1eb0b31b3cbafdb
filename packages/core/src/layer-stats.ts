import { binning, binOf, PRE_ACTIVATION_RANGE, type Binning } from "./histogram.ts";
import type { Heap } from "./kernels/kernels.ts";
import type { LayerInfo } from "./trace.ts";

/** Indices into LayerStats.sums. */
export const SUM = { z: 0, zSquares: 1, h: 2, hSquares: 3, saturated: 4, nonFinite: 5 } as const;

/**
 * Activation statistics of one layer over the probe set, accumulated chunk by chunk during the
 * probe's forward pass (hidden layers by the kernels' observeHidden). Sums are of values minus the
 * first value seen (`shift`), so a std far below the mean (a logistic layer stuck at 0.5) keeps its digits.
 */
export class LayerStats {
  /** (sample, unit) pairs seen, finite or not (sums[SUM.nonFinite] of them were not). */
  count = 0;
  /** [z, h] of the first value seen, subtracted from every value before summing. */
  readonly shift = new Float64Array(2);
  /** Shifted Σz, Σz², Σh, Σh², then the saturated and the non-finite counts (see SUM). */
  readonly sums = new Float64Array(6);
  /** Counts of h per bin of `binning`, then of z per bin of `zBinning`. */
  readonly histogram: Float64Array;
  readonly zHistogram: Float64Array;
  /** 1 for units with a non-zero derivative for at least one probe sample. */
  readonly live: Uint8Array;
  /** Per-unit shift and shifted sums of z across samples: the output layer's spread over inputs. */
  readonly unitShift: Float64Array;
  readonly unitSum: Float64Array;
  readonly unitSquares: Float64Array;

  constructor(
    readonly units: number,
    /** How the histogram's range divides into bins (see histogram.ts); values outside clamp to the end bins. */
    readonly binning: Binning,
    /** The same for pre-activations z. */
    readonly zBinning: Binning,
    /** h outside [low, high] counts as saturated; undefined where the activation has no flat tail. */
    readonly saturation: readonly [number, number] | undefined,
  ) {
    this.histogram = new Float64Array(binning.bins);
    this.zHistogram = new Float64Array(zBinning.bins);
    this.live = new Uint8Array(units);
    this.unitShift = new Float64Array(units);
    this.unitSum = new Float64Array(units);
    this.unitSquares = new Float64Array(units);
  }

  /** Clears every accumulator for the next probe pass. */
  reset(): void {
    this.count = 0;
    this.shift.fill(NaN);
    this.sums.fill(0);
    this.histogram.fill(0);
    this.zHistogram.fill(0);
    this.live.fill(0);
    this.unitSum.fill(0);
    this.unitSquares.fill(0);
  }

  /** Sets the shift from the first value of a layer's first chunk; later chunks keep it. */
  setShift(heap: Heap, z: number, h: number): void {
    if (Number.isNaN(this.shift[0])) {
      this.shift[0] = heap[z]!;
      this.shift[1] = heap[h]!;
    }
  }

  /**
   * Adds one (z, h) pair: shifted sums, saturation, histogram bins. A non-finite pair is only
   * counted as such; returns whether the pair was finite. (The reference path: the wasm kernels
   * do the same for whole rows.)
   */
  add(zv: number, hv: number): boolean {
    const { sums, histogram, zHistogram } = this;
    if (!Number.isFinite(zv) || !Number.isFinite(hv)) {
      sums[SUM.nonFinite]! += 1;
      return false;
    }
    const dz = zv - this.shift[0]!;
    const dh = hv - this.shift[1]!;
    sums[SUM.z]! += dz;
    sums[SUM.zSquares]! += dz * dz;
    sums[SUM.h]! += dh;
    sums[SUM.hSquares]! += dh * dh;
    if (this.saturation && (hv < this.saturation[0] || hv > this.saturation[1])) sums[SUM.saturated]! += 1;
    histogram[binOf(this.binning, hv)]! += 1;
    zHistogram[binOf(this.zBinning, zv)]! += 1;
    return true;
  }

  /** Accumulates statistics of the output layer: logits z and softmax probabilities h. */
  observeOutput(heap: Heap, z: number, h: number, n: number): void {
    const { units, unitShift, unitSum, unitSquares } = this;
    if (Number.isNaN(this.shift[0]) && n > 0) {
      this.setShift(heap, z, h);
      for (let u = 0; u < units; u++) unitShift[u] = heap[z + u]!;
    }
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const zv = heap[z + i * units + u]!;
        if (!this.add(zv, heap[h + i * units + u]!)) continue;
        const d = zv - unitShift[u]!;
        unitSum[u]! += d;
        unitSquares[u]! += d * d;
      }
    }
    this.count += n * units;
  }

  /** Mean and std of pre-activations (z) and activations (h) over all finite (sample, unit) pairs. */
  moments(): { zMean: number; zStd: number; hMean: number; hStd: number } {
    const n = this.count - this.sums[SUM.nonFinite]!;
    if (n <= 0) return { zMean: NaN, zStd: NaN, hMean: NaN, hStd: NaN };
    const zm = this.sums[SUM.z]! / n;
    const hm = this.sums[SUM.h]! / n;
    return {
      zMean: this.shift[0]! + zm,
      zStd: Math.sqrt(Math.max(0, this.sums[SUM.zSquares]! / n - zm * zm)),
      hMean: this.shift[1]! + hm,
      hStd: Math.sqrt(Math.max(0, this.sums[SUM.hSquares]! / n - hm * hm)),
    };
  }

  /** Fraction of finite probe activations in a flat tail; null where the activation has none. */
  saturatedFraction(): number | null {
    const n = this.count - this.sums[SUM.nonFinite]!;
    return this.saturation && n > 0 ? this.sums[SUM.saturated]! / n : null;
  }

  /** Largest std, across probe samples, of one output unit's logit: 0 when the output ignores its input. */
  maxUnitStd(samples: number): number {
    let worst = 0;
    for (let u = 0; u < this.units; u++) {
      const mean = this.unitSum[u]! / samples;
      worst = Math.max(worst, Math.sqrt(Math.max(0, this.unitSquares[u]! / samples - mean * mean)));
    }
    return worst;
  }
}

/** The probe statistics of a traced layer, its histograms binned as its LayerInfo says; `saturation` for hidden layers only. */
export function layerStatsOf(info: LayerInfo, bins: number, saturation: readonly [number, number] | undefined): LayerStats {
  return new LayerStats(
    info.units,
    binning(bins, info.histogramRange, info.histogramScale),
    binning(bins, info.preActivationRange ?? PRE_ACTIVATION_RANGE, info.histogramScale),
    info.kind === "hidden" ? saturation : undefined,
  );
}
