/** One bucket of a downsampled series: its epoch span and the first, last, min and max values in it. */
export interface Bucket {
  fromEpoch: number;
  toEpoch: number;
  first: number;
  last: number;
  min: number;
  max: number;
}

/**
 * Splits a series (epochs ascending, one value each) into at most `buckets` buckets of equal
 * epoch span, keeping first, last, min and max of each, so a spike survives any zoom level.
 * NaN values (a diverged run) are kept as first/last but ignored by min and max; a bucket of
 * NaNs only has NaN min and max.
 */
export function downsample(epochs: readonly number[], values: readonly number[], buckets: number): Bucket[] {
  if (epochs.length === 0) return [];
  const lo = epochs[0]!;
  const span = epochs[epochs.length - 1]! - lo + 1;
  const width = Math.max(1, Math.ceil(span / Math.max(1, buckets)));
  const out: Bucket[] = [];
  let current: Bucket | undefined;
  let index = -1;
  for (let i = 0; i < epochs.length; i++) {
    const epoch = epochs[i]!;
    const value = values[i]!;
    const b = Math.floor((epoch - lo) / width);
    if (b !== index || !current) {
      current = { fromEpoch: epoch, toEpoch: epoch, first: value, last: value, min: NaN, max: NaN };
      out.push(current);
      index = b;
    }
    current.toEpoch = epoch;
    current.last = value;
    if (!Number.isNaN(value)) {
      current.min = Number.isNaN(current.min) ? value : Math.min(current.min, value);
      current.max = Number.isNaN(current.max) ? value : Math.max(current.max, value);
    }
  }
  return out;
}
