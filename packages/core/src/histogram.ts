/**
 * How an activation histogram divides its range into bins, in one place for the CPU kernels (JS
 * and WebAssembly), the GPU's WGSL and the charts.
 *
 * `linear`: bins of equal width in h. `symlog` (the default): bins of equal width in
 *
 *   t(h) = h / c                          for |h| < c
 *   t(h) = sign(h) · (1 + log2~(|h| / c))   beyond,
 *
 * where log2~(x) = e + m for x = 2^e · (1 + m): the float's exponent and mantissa read as one
 * number — log2 at every power of two and linear within each octave, so the kernels compute it
 * with integer arithmetic on the float's bits, four lanes at a time. With c = 2⁻¹⁶ of the range's
 * span, a tanh layer from N(0, 0.01²) weights (|h| ~ 0.01) spreads over many bins where linear bins
 * put it in one, a ReLU's dead units keep a bin of their own at 0, and saturation still shows at the
 * ends (TensorBoard's histograms grow their buckets geometrically for the same reason).
 *
 * Everything is computed in float32, step by step as the kernels do, so that every device puts a
 * value in the same bin.
 */
export const HISTOGRAM_SCALES = ["symlog", "linear"] as const;
export type HistogramScale = (typeof HISTOGRAM_SCALES)[number];

/**
 * The range of every layer's pre-activation histogram. z is unbounded whatever the activation; on
 * symlog bins ±16 reaches from 2⁻¹¹ (a signal that vanished) past where tanh and the logistic
 * saturate (|z| ≳ 3 and 5), a bin an octave wide out there.
 */
export const PRE_ACTIVATION_RANGE = [-16, 16] as const;

/** The symlog's linear threshold c of a range: 2⁻¹⁶ of its span. */
export function symlogThreshold(range: readonly [number, number]): number {
  return Math.fround((range[1] - range[0]) * 2 ** -16);
}

/** A histogram's binning as the kernels take it: t(low), bins per unit of t, 1/c (0 for linear bins). */
export interface Binning {
  bins: number;
  low: number;
  scale: number;
  inverseThreshold: number;
}

/** The binning of `bins` bins over `range` on `scale`. */
export function binning(bins: number, range: readonly [number, number], scale: HistogramScale): Binning {
  const inverseThreshold = scale === "symlog" ? Math.fround(1 / symlogThreshold(range)) : 0;
  const low = transform(range[0], inverseThreshold);
  return { bins, low, scale: Math.fround(bins / Math.fround(transform(range[1], inverseThreshold) - low)), inverseThreshold };
}

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** t(h) in float32 (h itself, as float32, for linear bins). */
export function transform(h: number, inverseThreshold: number): number {
  if (inverseThreshold === 0) return Math.fround(h);
  const x = Math.fround(Math.abs(h) * inverseThreshold);
  let t = x;
  if (x >= 1) {
    f32[0] = x;
    t = Math.fround(Math.fround(bits[0]! - 0x3f800000) * 2 ** -23 + 1);
  }
  return h < 0 ? -t : t;
}

/** The bin of a finite h: values beyond the range clamp to the end bins. */
export function binOf(b: Binning, h: number): number {
  const bin = Math.trunc(Math.fround(Math.fround(transform(h, b.inverseThreshold) - b.low) * b.scale));
  return bin < 0 ? 0 : bin >= b.bins ? b.bins - 1 : bin;
}

/** The inverse of t: the h at which t(h) = t. */
function inverse(t: number, inverseThreshold: number): number {
  if (inverseThreshold === 0) return t;
  const magnitude = Math.abs(t);
  if (magnitude < 1) return t / inverseThreshold;
  const octave = Math.floor(magnitude - 1);
  return (Math.sign(t) * 2 ** octave * (1 + (magnitude - 1 - octave))) / inverseThreshold;
}

/** The bins+1 edges of the bins in h, low to high: what a chart labels its bins with. */
export function binEdges(bins: number, range: readonly [number, number], scale: HistogramScale): number[] {
  const b = binning(bins, range, scale);
  const high = transform(range[1], b.inverseThreshold);
  return Array.from({ length: bins + 1 }, (_, k) =>
    k === 0 ? range[0] : k === bins ? range[1] : inverse(b.low + ((high - b.low) * k) / bins, b.inverseThreshold),
  );
}
