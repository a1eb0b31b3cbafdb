import type { Heap } from "./kernels/kernels.ts";

/**
 * Activation statistics of one layer over the probe set, accumulated chunk by chunk during the
 * probe's forward pass. Sums are of values minus the first value seen, so a std far below the mean
 * (a logistic layer stuck at 0.5) keeps its digits.
 */
export class LayerStats {
  count = 0;
  nonFinite = 0;
  saturated = 0;
  private zShift = NaN;
  private zSum = 0;
  private zSquares = 0;
  private hShift = NaN;
  private hSum = 0;
  private hSquares = 0;
  readonly histogram: Float64Array;
  /** Units with a non-zero derivative for at least one probe sample. */
  readonly live: Uint8Array;
  /** Per-unit shifted sums of z across samples: the output layer's spread over inputs. */
  private readonly unitShift: Float64Array;
  private readonly unitSum: Float64Array;
  private readonly unitSquares: Float64Array;

  constructor(
    readonly units: number,
    bins: number,
    readonly range: readonly [number, number],
  ) {
    this.histogram = new Float64Array(bins);
    this.live = new Uint8Array(units);
    this.unitShift = new Float64Array(units);
    this.unitSum = new Float64Array(units);
    this.unitSquares = new Float64Array(units);
  }

  /** Clears every accumulator for the next probe pass. */
  reset(): void {
    this.count = this.nonFinite = this.saturated = 0;
    this.zShift = this.hShift = NaN;
    this.zSum = this.zSquares = this.hSum = this.hSquares = 0;
    this.histogram.fill(0);
    this.live.fill(0);
    this.unitSum.fill(0);
    this.unitSquares.fill(0);
  }

  /**
   * Accumulates n rows of a hidden layer: pre-activations z, activations h and derivatives d,
   * with h outside `saturation` counted as saturated.
   */
  observeHidden(heap: Heap, z: number, h: number, d: number, n: number, saturation: readonly [number, number] | undefined): void {
    const { units, histogram, live } = this;
    const bins = histogram.length;
    const [lo, hi] = this.range;
    const scale = bins / (hi - lo);
    const [satLow, satHigh] = saturation ?? [-Infinity, Infinity];
    if (Number.isNaN(this.zShift) && n > 0) {
      this.zShift = heap[z]!;
      this.hShift = heap[h]!;
    }
    const zk = this.zShift;
    const hk = this.hShift;
    let zSum = 0, zSquares = 0, hSum = 0, hSquares = 0, sat = 0, nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const row = i * units;
      for (let u = 0; u < units; u++) {
        const zv = heap[z + row + u]!;
        const hv = heap[h + row + u]!;
        if (heap[d + row + u] !== 0) live[u] = 1;
        if (!Number.isFinite(hv) || !Number.isFinite(zv)) {
          nonFinite++;
          continue;
        }
        zSum += zv - zk;
        zSquares += (zv - zk) * (zv - zk);
        hSum += hv - hk;
        hSquares += (hv - hk) * (hv - hk);
        if (hv < satLow || hv > satHigh) sat++;
        const bin = Math.floor((hv - lo) * scale);
        histogram[bin < 0 ? 0 : bin >= bins ? bins - 1 : bin]! += 1;
      }
    }
    this.add(n * units, nonFinite, zSum, zSquares, hSum, hSquares, sat);
  }

  /** Accumulates statistics of the output layer: logits z and softmax probabilities h. */
  observeOutput(heap: Heap, z: number, h: number, n: number): void {
    const { units, histogram, unitShift, unitSum, unitSquares } = this;
    const bins = histogram.length;
    if (Number.isNaN(this.zShift) && n > 0) {
      this.zShift = heap[z]!;
      this.hShift = heap[h]!;
      for (let u = 0; u < units; u++) unitShift[u] = heap[z + u]!;
    }
    const zk = this.zShift;
    const hk = this.hShift;
    let zSum = 0, zSquares = 0, hSum = 0, hSquares = 0, nonFinite = 0;
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const zv = heap[z + i * units + u]!;
        const hv = heap[h + i * units + u]!;
        if (!Number.isFinite(zv) || !Number.isFinite(hv)) {
          nonFinite++;
          continue;
        }
        zSum += zv - zk;
        zSquares += (zv - zk) * (zv - zk);
        hSum += hv - hk;
        hSquares += (hv - hk) * (hv - hk);
        const d = zv - unitShift[u]!;
        unitSum[u]! += d;
        unitSquares[u]! += d * d;
        const bin = Math.floor(hv * bins);
        histogram[bin < 0 ? 0 : bin >= bins ? bins - 1 : bin]! += 1;
      }
    }
    this.add(n * units, nonFinite, zSum, zSquares, hSum, hSquares, 0);
  }

  private add(total: number, nonFinite: number, zSum: number, zSquares: number, hSum: number, hSquares: number, sat: number): void {
    this.count += total - nonFinite;
    this.nonFinite += nonFinite;
    this.zSum += zSum;
    this.zSquares += zSquares;
    this.hSum += hSum;
    this.hSquares += hSquares;
    this.saturated += sat;
  }

  /** Mean and std of pre-activations (z) and activations (h) over all finite (sample, unit) pairs. */
  moments(): { zMean: number; zStd: number; hMean: number; hStd: number } {
    const n = this.count;
    if (n === 0) return { zMean: NaN, zStd: NaN, hMean: NaN, hStd: NaN };
    const zm = this.zSum / n;
    const hm = this.hSum / n;
    return {
      zMean: this.zShift + zm,
      zStd: Math.sqrt(Math.max(0, this.zSquares / n - zm * zm)),
      hMean: this.hShift + hm,
      hStd: Math.sqrt(Math.max(0, this.hSquares / n - hm * hm)),
    };
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
