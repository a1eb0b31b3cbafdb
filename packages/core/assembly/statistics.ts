// Probe statistics of a hidden layer, the hot part of tracing; observeHidden in
// src/kernels/js-kernels.ts is the reference. Results go to `out`: f64 sums[6] (Σz, Σz², Σh, Σh²,
// saturated, non-finite; z and h shifted), i32 histogram[bins] of h, i32 histogram[bins] of z,
// i32 live[units] (non-zero where the derivative d was non-zero), then eight scratch histograms.
// Rows run four units at a time in float32 and are added to the float64 sums row by row; a row
// holding a non-finite value goes through the scalar path, which counts and skips such values.
// Counting uses four interleaved histograms per quantity so that neighbouring values in one bin do
// not wait on each other's increment. Bins divide t(x) evenly from `lo` = t(low), `scale` bins per
// unit (h's, then z's as zLo, zScale); t is x itself when the inverse threshold is 0, else
// src/histogram.ts's symlog (computed from the float's bits, as there).
export function observeHidden(
  z: usize, h: usize, d: usize, n: i32, units: i32,
  lo: f32, scale: f32, inverseThreshold: f32, zLo: f32, zScale: f32, zInverseThreshold: f32, bins: i32,
  satLow: f32, satHigh: f32, zShift: f32, hShift: f32, out: usize,
): void {
  const copyBytes = <usize>bins << 2;
  const histogram = out + 48;
  const zHistogram = histogram + copyBytes;
  const live = zHistogram + copyBytes;
  const copies = live + (<usize>units << 2);
  const zCopies = copies + (copyBytes << 2);
  memory.fill(copies, 0, copyBytes << 3);
  const u4 = units & ~3;
  const vzk = f32x4.splat(zShift);
  const vhk = f32x4.splat(hShift);
  const vlo = f32x4.splat(lo);
  const vscale = f32x4.splat(scale);
  const vsatLow = f32x4.splat(satLow);
  const vsatHigh = f32x4.splat(satHigh);
  const zeroF = f32x4.splat(0);
  const zeroI = i32x4.splat(0);
  const topBin = i32x4.splat(bins - 1);
  const vinv = f32x4.splat(inverseThreshold);
  const symlog = inverseThreshold != 0;
  const vzlo = f32x4.splat(zLo);
  const vzscale = f32x4.splat(zScale);
  const vzinv = f32x4.splat(zInverseThreshold);
  const zSymlog = zInverseThreshold != 0;
  let zSum: f64 = 0, zSquares: f64 = 0, hSum: f64 = 0, hSquares: f64 = 0, saturated: f64 = 0, nonFinite: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = <usize>(i * units) << 2;
    if (!rowFinite(z + row, h + row, units)) {
      nonFinite += scalarRow(z + row, h + row, d + row, 0, units, lo, scale, inverseThreshold, zLo, zScale, zInverseThreshold, bins, satLow, satHigh, zShift, hShift, out, live, copies, copyBytes);
      continue;
    }
    let sz = zeroF, sz2 = zeroF, sh = zeroF, sh2 = zeroF, sat = zeroI;
    for (let u = 0; u < u4; u += 4) {
      const off = row + (<usize>u << 2);
      const zv = v128.load(z + off);
      const hv = v128.load(h + off);
      const lv = live + (<usize>u << 2);
      v128.store(lv, v128.or(v128.load(lv), f32x4.ne(v128.load(d + off), zeroF)));
      const dz = f32x4.sub(zv, vzk);
      const dh = f32x4.sub(hv, vhk);
      sz = f32x4.add(sz, dz);
      sz2 = f32x4.add(sz2, f32x4.mul(dz, dz));
      sh = f32x4.add(sh, dh);
      sh2 = f32x4.add(sh2, f32x4.mul(dh, dh));
      // Comparison masks are −1 per true lane.
      sat = i32x4.sub(sat, v128.or(f32x4.lt(hv, vsatLow), f32x4.gt(hv, vsatHigh)));
      countBins(copies, copyBytes, symlog ? symlog4(hv, vinv) : hv, vlo, vscale, topBin);
      countBins(zCopies, copyBytes, zSymlog ? symlog4(zv, vzinv) : zv, vzlo, vzscale, topBin);
    }
    zSum += <f64>hsum(sz);
    zSquares += <f64>hsum(sz2);
    hSum += <f64>hsum(sh);
    hSquares += <f64>hsum(sh2);
    saturated += <f64>(i32x4.extract_lane(sat, 0) + i32x4.extract_lane(sat, 1) + i32x4.extract_lane(sat, 2) + i32x4.extract_lane(sat, 3));
    scalarRow(z + row, h + row, d + row, u4, units, lo, scale, inverseThreshold, zLo, zScale, zInverseThreshold, bins, satLow, satHigh, zShift, hShift, out, live, copies, copyBytes);
  }
  gather(copies, histogram, bins, copyBytes);
  gather(zCopies, zHistogram, bins, copyBytes);
  store<f64>(out, load<f64>(out) + zSum);
  store<f64>(out, load<f64>(out, 8) + zSquares, 8);
  store<f64>(out, load<f64>(out, 16) + hSum, 16);
  store<f64>(out, load<f64>(out, 24) + hSquares, 24);
  store<f64>(out, load<f64>(out, 32) + saturated, 32);
  store<f64>(out, load<f64>(out, 40) + nonFinite, 40);
}

// Bins four values t (already t(x) of src/histogram.ts) from `lo`, `scale` bins per unit, clamped
// to [0, top], and counts each lane in its own interleaved copy.
// @ts-ignore: decorator
@inline function countBins(copies: usize, copyBytes: usize, t: v128, lo: v128, scale: v128, top: v128): void {
  const bin = i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.sub(t, lo), scale)), i32x4.splat(0)), top);
  count(copies, i32x4.extract_lane(bin, 0));
  count(copies + copyBytes, i32x4.extract_lane(bin, 1));
  count(copies + 2 * copyBytes, i32x4.extract_lane(bin, 2));
  count(copies + 3 * copyBytes, i32x4.extract_lane(bin, 3));
}

// Adds four interleaved histograms at `copies` into the one at `histogram`.
function gather(copies: usize, histogram: usize, bins: i32, copyBytes: usize): void {
  for (let b = 0; b < bins; b++) {
    const at = copies + (<usize>b << 2);
    const total = load<i32>(at) + load<i32>(at + copyBytes) + load<i32>(at + 2 * copyBytes) + load<i32>(at + 3 * copyBytes);
    store<i32>(histogram + (<usize>b << 2), load<i32>(histogram + (<usize>b << 2)) + total);
  }
}

// t(h) of src/histogram.ts, four lanes at a time: x = |h|/c; below 1, x; else 1 + the float's
// exponent and mantissa read as one number (its bits less 1.0's, over 2^23); h's sign.
// @ts-ignore: decorator
@inline function symlog4(hv: v128, inverseThreshold: v128): v128 {
  const one = f32x4.splat(1);
  const x = f32x4.mul(f32x4.abs(hv), inverseThreshold);
  const octaves = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(x, i32x4.splat(0x3f800000))), f32x4.splat(1.1920928955078125e-7)), one);
  const t = v128.bitselect(x, octaves, f32x4.lt(x, one));
  // t ≥ 0, so setting h's sign bit negates it.
  return v128.or(t, v128.and(hv, i32x4.splat(0x80000000)));
}

// The same for one value.
// @ts-ignore: decorator
@inline function symlog1(hv: f32, inverseThreshold: f32): f32 {
  const x = abs<f32>(hv) * inverseThreshold;
  const t = x < 1 ? x : <f32>(reinterpret<i32>(x) - 0x3f800000) * <f32>1.1920928955078125e-7 + 1;
  return hv < 0 ? -t : t;
}

// @ts-ignore: decorator
@inline function count(histogram: usize, bin: i32): void {
  const at = histogram + (<usize>bin << 2);
  store<i32>(at, load<i32>(at) + 1);
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// Whether every z and h of a row is finite (x − x is 0 exactly for finite x), four units at a time.
function rowFinite(z: usize, h: usize, units: i32): bool {
  const u4 = units & ~3;
  const zero = f32x4.splat(0);
  let bad = i32x4.splat(0);
  for (let u = 0; u < u4; u += 4) {
    const off = <usize>u << 2;
    const zv = v128.load(z + off);
    const hv = v128.load(h + off);
    bad = v128.or(bad, v128.or(f32x4.ne(f32x4.sub(zv, zv), zero), f32x4.ne(f32x4.sub(hv, hv), zero)));
  }
  if (v128.any_true(bad)) return false;
  for (let u = u4; u < units; u++) {
    const zv = load<f32>(z + (<usize>u << 2));
    const hv = load<f32>(h + (<usize>u << 2));
    if (zv - zv != 0 || hv - hv != 0) return false;
  }
  return true;
}

// Units [from, to) of one row, one at a time, straight into the float64 sums at `out`; non-finite
// values are skipped and their number returned.
function scalarRow(
  z: usize, h: usize, d: usize, from: i32, to: i32,
  lo: f32, scale: f32, inverseThreshold: f32, zLo: f32, zScale: f32, zInverseThreshold: f32, bins: i32,
  satLow: f32, satHigh: f32, zShift: f32, hShift: f32, out: usize, live: usize, copies: usize, copyBytes: usize,
): f64 {
  let skipped: f64 = 0;
  for (let u = from; u < to; u++) {
    const off = <usize>u << 2;
    const zv = load<f32>(z + off);
    const hv = load<f32>(h + off);
    if (load<f32>(d + off) != 0) store<i32>(live + off, -1);
    if (zv - zv != 0 || hv - hv != 0) {
      skipped += 1;
      continue;
    }
    const dz = <f64>(zv - zShift);
    const dh = <f64>(hv - hShift);
    store<f64>(out, load<f64>(out) + dz);
    store<f64>(out, load<f64>(out, 8) + dz * dz, 8);
    store<f64>(out, load<f64>(out, 16) + dh, 16);
    store<f64>(out, load<f64>(out, 24) + dh * dh, 24);
    if (hv < satLow || hv > satHigh) store<f64>(out, load<f64>(out, 32) + 1, 32);
    const t = inverseThreshold != 0 ? symlog1(hv, inverseThreshold) : hv;
    count(copies + <usize>(u & 3) * copyBytes, min(max(<i32>((t - lo) * scale), 0), bins - 1));
    const tz = zInverseThreshold != 0 ? symlog1(zv, zInverseThreshold) : zv;
    count(copies + <usize>(4 + (u & 3)) * copyBytes, min(max(<i32>((tz - zLo) * zScale), 0), bins - 1));
  }
  return skipped;
}
