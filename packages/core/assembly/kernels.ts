// WebAssembly SIMD kernels for the matmul-shaped work of training (AssemblyScript, f32x4).
// Pointers are byte addresses into the imported memory; matrices are row-major and weights are
// stored transposed, Wt[in × out], as in src/kernels/kernels.ts, whose js-kernels.ts is the
// reference these must match. Main loops run register tiles; edges fall back to scalar loops.


export { activationForward, activationBackward } from "./activations";
export { observeHidden } from "./statistics";
// One 4 × 8 register tile of Σ_t a[r, t]·B[t, c..c+8] (r < 4), stored as four rows of eight at
// `out` (`outRow` bytes apart), each starting from init0|init1; returns the lane-wise sum of squares
// of the tile. a[r, t] is the f32 at a + r·aLane + t·aStep; row t of B starts at b + t·bStep.
// The forward pass (a = X rows, B = Wt) and the weight gradient (a = X columns, B = dZ) share it.
// @ts-ignore: decorator
@inline function outerTile(a: usize, aLane: usize, aStep: usize, b: usize, bStep: usize, count: i32, init0: v128, init1: v128, out: usize, outRow: usize): v128 {
  let a00 = init0, a01 = init1, a10 = init0, a11 = init1, a20 = init0, a21 = init1, a30 = init0, a31 = init1;
  for (let t = 0; t < count; t++) {
    const w0 = v128.load(b);
    const w1 = v128.load(b, 16);
    const s0 = v128.load32_splat(a);
    const s1 = v128.load32_splat(a + aLane);
    const s2 = v128.load32_splat(a + 2 * aLane);
    const s3 = v128.load32_splat(a + 3 * aLane);
    a00 = f32x4.add(a00, f32x4.mul(s0, w0));
    a01 = f32x4.add(a01, f32x4.mul(s0, w1));
    a10 = f32x4.add(a10, f32x4.mul(s1, w0));
    a11 = f32x4.add(a11, f32x4.mul(s1, w1));
    a20 = f32x4.add(a20, f32x4.mul(s2, w0));
    a21 = f32x4.add(a21, f32x4.mul(s2, w1));
    a30 = f32x4.add(a30, f32x4.mul(s3, w0));
    a31 = f32x4.add(a31, f32x4.mul(s3, w1));
    a += aStep;
    b += bStep;
  }
  v128.store(out, a00);
  v128.store(out, a01, 16);
  v128.store(out + outRow, a10);
  v128.store(out + outRow, a11, 16);
  v128.store(out + 2 * outRow, a20);
  v128.store(out + 2 * outRow, a21, 16);
  v128.store(out + 3 * outRow, a30);
  v128.store(out + 3 * outRow, a31, 16);
  const s01 = f32x4.add(f32x4.add(f32x4.mul(a00, a00), f32x4.mul(a01, a01)), f32x4.add(f32x4.mul(a10, a10), f32x4.mul(a11, a11)));
  const s23 = f32x4.add(f32x4.add(f32x4.mul(a20, a20), f32x4.mul(a21, a21)), f32x4.add(f32x4.mul(a30, a30), f32x4.mul(a31, a31)));
  return f32x4.add(s01, s23);
}

// Z[n × out] = X[n × in] · Wt[in × out] + b. Tile: 4 rows × 8 outputs (8 accumulators), the
// broadcast of X[i, k] times a row segment of Wt, so every load feeds several multiply-adds.
export function linearForward(x: usize, wt: usize, b: usize, z: usize, n: i32, nin: i32, nout: i32): void {
  const n4 = n & ~3;
  const o8 = nout & ~7;
  const rowX = <usize>nin << 2;
  const rowZ = <usize>nout << 2;
  for (let i = 0; i < n4; i += 4) {
    const x0 = x + <usize>i * rowX;
    const z0 = z + <usize>i * rowZ;
    for (let o = 0; o < o8; o += 8) {
      const off = <usize>o << 2;
      outerTile(x0, rowX, 4, wt + off, rowZ, nin, v128.load(b + off), v128.load(b + off, 16), z0 + off, rowZ);
    }
  }
  forwardColumns(x, wt, b, z, n4, o8, nin, nout);
  forwardScalar(x, wt, b, z, n4, n, 0, nout, nin, nout);
}

// Wt[k..k+4, o]: four entries of one column of Wt (a unit's weights), as one vector.
// @ts-ignore: decorator
@inline function column4(wt: usize, k: i32, o: i32, nout: i32): v128 {
  const p = wt + (<usize>(k * nout + o) << 2);
  const row = <usize>nout << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + row));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * row));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * row));
}

// The outputs o ≥ o8 of rows below n4 (all of a narrow output layer's): dot products along in,
// four rows sharing each gathered column segment.
function forwardColumns(x: usize, wt: usize, b: usize, z: usize, n4: i32, o8: i32, nin: i32, nout: i32): void {
  const k4 = nin & ~3;
  const rowX = <usize>nin << 2;
  for (let i = 0; i < n4; i += 4) {
    const x0 = x + <usize>i * rowX;
    for (let o = o8; o < nout; o++) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let k = 0; k < k4; k += 4) {
        const w = column4(wt, k, o, nout);
        const off = <usize>k << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load(x0 + off), w));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(x0 + rowX + off), w));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(x0 + 2 * rowX + off), w));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(x0 + 3 * rowX + off), w));
      }
      const bias = load<f32>(b + (<usize>o << 2));
      const zp = z + (<usize>(i * nout + o) << 2);
      const rowZ = <usize>nout << 2;
      store<f32>(zp, bias + hsum(a0) + columnTail(x0, wt, k4, nin, o, nout));
      store<f32>(zp + rowZ, bias + hsum(a1) + columnTail(x0 + rowX, wt, k4, nin, o, nout));
      store<f32>(zp + 2 * rowZ, bias + hsum(a2) + columnTail(x0 + 2 * rowX, wt, k4, nin, o, nout));
      store<f32>(zp + 3 * rowZ, bias + hsum(a3) + columnTail(x0 + 3 * rowX, wt, k4, nin, o, nout));
    }
  }
}

// Σ x[k]·Wt[k, o] for k in [from, to).
// @ts-ignore: decorator
@inline function columnTail(x: usize, wt: usize, from: i32, to: i32, o: i32, nout: i32): f32 {
  let s: f32 = 0;
  for (let k = from; k < to; k++) s += load<f32>(x + (<usize>k << 2)) * load<f32>(wt + (<usize>(k * nout + o) << 2));
  return s;
}

function forwardScalar(x: usize, wt: usize, b: usize, z: usize, i0: i32, i1: i32, o0: i32, o1: i32, nin: i32, nout: i32): void {
  for (let i = i0; i < i1; i++) {
    for (let o = o0; o < o1; o++) {
      let s = load<f32>(b + (<usize>o << 2));
      for (let k = 0; k < nin; k++) {
        s += load<f32>(x + (<usize>(i * nin + k) << 2)) * load<f32>(wt + (<usize>(k * nout + o) << 2));
      }
      store<f32>(z + (<usize>(i * nout + o) << 2), s);
    }
  }
}

// dX[n × in] = dZ[n × out] · Wtᵀ, as the forward pass's 4 × 8 tile: for each block of eight
// inputs, their weights are first packed into `panel` (out × 8, row o = Wt[k..k+8, o]), so the
// tile streams along rows as in the forward pass instead of summing lanes of dot products.
export function linearBackwardInput(dz: usize, wt: usize, dx: usize, n: i32, nin: i32, nout: i32, panel: usize): void {
  const n4 = n & ~3;
  const k8 = nin & ~7;
  const rowD = <usize>nout << 2;
  const rowX = <usize>nin << 2;
  const zero = f32x4.splat(0);
  for (let k = 0; k < k8; k += 8) {
    packPanel(wt + <usize>k * rowD, panel, nout);
    for (let i = 0; i < n4; i += 4) {
      outerTile(dz + <usize>i * rowD, rowD, 4, panel, 32, nout, zero, zero, dx + <usize>i * rowX + (<usize>k << 2), rowX);
    }
  }
  backwardInputScalar(dz, wt, dx, 0, n4, k8, nin, nin, nout);
  backwardInputScalar(dz, wt, dx, n4, n, 0, nin, nin, nout);
}

// panel[o, j] = Wt[j, o] for j < 8 and o < nout, from the eight rows of Wt starting at `wt`:
// 4 × 4 blocks transposed in registers, the last outputs one by one.
function packPanel(wt: usize, panel: usize, nout: i32): void {
  const row = <usize>nout << 2;
  const o4 = nout & ~3;
  for (let o = 0; o < o4; o += 4) {
    const src = wt + (<usize>o << 2);
    const dst = panel + (<usize>o << 5);
    transpose4(src, row, dst);
    transpose4(src + 4 * row, row, dst + 16);
  }
  for (let o = o4; o < nout; o++) {
    const src = wt + (<usize>o << 2);
    const dst = panel + (<usize>o << 5);
    for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + <usize>j * row));
  }
}

// Four rows of four floats (`row` bytes apart) stored as four columns, 32 bytes apart.
// @ts-ignore: decorator
@inline function transpose4(src: usize, row: usize, dst: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + row);
  const r2 = v128.load(src + 2 * row);
  const r3 = v128.load(src + 3 * row);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// Σ a[o]·b[o] for o in [from, to): the part of a dot product after its last full vector.
// @ts-ignore: decorator
@inline function dotTail(a: usize, b: usize, from: i32, to: i32): f32 {
  let s: f32 = 0;
  for (let o = from; o < to; o++) s += load<f32>(a + (<usize>o << 2)) * load<f32>(b + (<usize>o << 2));
  return s;
}

function backwardInputScalar(dz: usize, wt: usize, dx: usize, i0: i32, i1: i32, k0: i32, k1: i32, nin: i32, nout: i32): void {
  const rowD = <usize>nout << 2;
  for (let i = i0; i < i1; i++) {
    for (let k = k0; k < k1; k++) {
      store<f32>(dx + (<usize>(i * nin + k) << 2), dotTail(dz + <usize>i * rowD, wt + <usize>k * rowD, 0, nout));
    }
  }
}

// dWt[in × out] = Xᵀ · dZ, db = Σ_rows dZ; returns ‖dWt‖². Tile: 4 inputs × 8 outputs, the
// broadcast of X[i, k] times a row segment of dZ, summed over the rows i.
export function linearBackwardParams(dz: usize, x: usize, dwt: usize, db: usize, n: i32, nin: i32, nout: i32): f64 {
  const k4 = nin & ~3;
  const o8 = nout & ~7;
  const rowD = <usize>nout << 2;
  const rowX = <usize>nin << 2;
  let squares = f32x4.splat(0);
  for (let k = 0; k < k4; k += 4) {
    for (let o = 0; o < o8; o += 8) {
      const off = <usize>o << 2;
      const zero = f32x4.splat(0);
      const tile = outerTile(x + (<usize>k << 2), 4, rowX, dz + off, rowD, n, zero, zero, dwt + <usize>k * rowD + off, rowD);
      squares = f32x4.add(squares, tile);
    }
  }
  let total = <f64>hsum(squares);
  total += paramsRows(dz, x, dwt, k4, o8, n, nin, nout);
  total += paramsColumns(dz, x, dwt, k4, o8, n, nin, nout);
  total += paramsScalar(dz, x, dwt, k4, nin, o8, nout, n, nin, nout);
  columnSums(dz, db, n, nout);
  return total;
}

// db[o] = Σ_i dZ[i, o]: sixteen columns at a time in four independent sums (one would wait on
// the adder's latency every row), then four, then one; each sums its rows in order as the reference does.
function columnSums(dz: usize, db: usize, n: i32, nout: i32): void {
  const o16 = nout & ~15;
  const o4 = nout & ~3;
  const rowD = <usize>nout << 2;
  for (let o = 0; o < o16; o += 16) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let d = dz + (<usize>o << 2);
    for (let i = 0; i < n; i++) {
      a0 = f32x4.add(a0, v128.load(d));
      a1 = f32x4.add(a1, v128.load(d, 16));
      a2 = f32x4.add(a2, v128.load(d, 32));
      a3 = f32x4.add(a3, v128.load(d, 48));
      d += rowD;
    }
    const out = db + (<usize>o << 2);
    v128.store(out, a0);
    v128.store(out, a1, 16);
    v128.store(out, a2, 32);
    v128.store(out, a3, 48);
  }
  for (let o = o16; o < o4; o += 4) {
    let acc = f32x4.splat(0);
    let d = dz + (<usize>o << 2);
    for (let i = 0; i < n; i++) {
      acc = f32x4.add(acc, v128.load(d));
      d += rowD;
    }
    v128.store(db + (<usize>o << 2), acc);
  }
  for (let o = o4; o < nout; o++) {
    let s: f32 = 0;
    for (let i = 0; i < n; i++) s += load<f32>(dz + (<usize>(i * nout + o) << 2));
    store<f32>(db + (<usize>o << 2), s);
  }
}

// dWt rows k ≥ k4 (all of an input layer with fewer than four features), outputs below o8:
// one row of eight outputs at a time.
function paramsRows(dz: usize, x: usize, dwt: usize, k4: i32, o8: i32, n: i32, nin: i32, nout: i32): f64 {
  const rowD = <usize>nout << 2;
  const rowX = <usize>nin << 2;
  let squares = f32x4.splat(0);
  for (let k = k4; k < nin; k++) {
    for (let o = 0; o < o8; o += 8) {
      const off = <usize>o << 2;
      let a0 = f32x4.splat(0), a1 = a0;
      let d = dz + off;
      let xp = x + (<usize>k << 2);
      for (let i = 0; i < n; i++) {
        const s = f32x4.splat(load<f32>(xp));
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(d)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(d, 16)));
        d += rowD;
        xp += rowX;
      }
      const wp = dwt + <usize>k * rowD + off;
      v128.store(wp, a0);
      v128.store(wp, a1, 16);
      squares = f32x4.add(squares, f32x4.add(f32x4.mul(a0, a0), f32x4.mul(a1, a1)));
    }
  }
  return <f64>hsum(squares);
}

// dWt outputs o ≥ o8 (all of a narrow output layer's), inputs below k4: four inputs of one
// output at a time, dWt[k..k+4, o] = Σ_i X[i, k..k+4]·dZ[i, o].
function paramsColumns(dz: usize, x: usize, dwt: usize, k4: i32, o8: i32, n: i32, nin: i32, nout: i32): f64 {
  const rowD = <usize>nout << 2;
  const rowX = <usize>nin << 2;
  let squares = f32x4.splat(0);
  for (let o = o8; o < nout; o++) {
    for (let k = 0; k < k4; k += 4) {
      let acc = f32x4.splat(0);
      let d = dz + (<usize>o << 2);
      let xp = x + (<usize>k << 2);
      for (let i = 0; i < n; i++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(xp), f32x4.splat(load<f32>(d))));
        d += rowD;
        xp += rowX;
      }
      const wp = dwt + (<usize>(k * nout + o) << 2);
      store<f32>(wp, f32x4.extract_lane(acc, 0));
      store<f32>(wp + rowD, f32x4.extract_lane(acc, 1));
      store<f32>(wp + 2 * rowD, f32x4.extract_lane(acc, 2));
      store<f32>(wp + 3 * rowD, f32x4.extract_lane(acc, 3));
      squares = f32x4.add(squares, f32x4.mul(acc, acc));
    }
  }
  return <f64>hsum(squares);
}

function paramsScalar(dz: usize, x: usize, dwt: usize, k0: i32, k1: i32, o0: i32, o1: i32, n: i32, nin: i32, nout: i32): f64 {
  let squares: f64 = 0;
  for (let k = k0; k < k1; k++) {
    for (let o = o0; o < o1; o++) {
      let s: f32 = 0;
      for (let i = 0; i < n; i++) s += load<f32>(x + (<usize>(i * nin + k) << 2)) * load<f32>(dz + (<usize>(i * nout + o) << 2));
      store<f32>(dwt + (<usize>(k * nout + o) << 2), s);
      squares += <f64>s * <f64>s;
    }
  }
  return squares;
}

// Σw², Σ(w − w₀)², Σw₀², max |w| as four f64 at `out`; floats are widened before they are
// squared, as the reference sums them in float64. A NaN weight makes the maximum NaN, as Math.max does.
export function weightChange(w: usize, w0: usize, count: i32, out: usize): void {
  const c4 = count & ~3;
  let weights = f64x2.splat(0), change = weights, start = weights;
  let scale = f32x4.splat(0);
  for (let i = 0; i < c4; i += 4) {
    const off = <usize>i << 2;
    const a = v128.load(w + off);
    const b = v128.load(w0 + off);
    scale = f32x4.max(scale, f32x4.abs(a));
    const aLow = f64x2.promote_low_f32x4(a);
    const aHigh = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 0, 1));
    const bLow = f64x2.promote_low_f32x4(b);
    const bHigh = f64x2.promote_low_f32x4(v128.shuffle<f32>(b, b, 2, 3, 0, 1));
    const dLow = f64x2.sub(aLow, bLow);
    const dHigh = f64x2.sub(aHigh, bHigh);
    weights = f64x2.add(weights, f64x2.add(f64x2.mul(aLow, aLow), f64x2.mul(aHigh, aHigh)));
    change = f64x2.add(change, f64x2.add(f64x2.mul(dLow, dLow), f64x2.mul(dHigh, dHigh)));
    start = f64x2.add(start, f64x2.add(f64x2.mul(bLow, bLow), f64x2.mul(bHigh, bHigh)));
  }
  let ws = f64x2.extract_lane(weights, 0) + f64x2.extract_lane(weights, 1);
  let cs = f64x2.extract_lane(change, 0) + f64x2.extract_lane(change, 1);
  let ss = f64x2.extract_lane(start, 0) + f64x2.extract_lane(start, 1);
  let ms = <f64>max(max(f32x4.extract_lane(scale, 0), f32x4.extract_lane(scale, 1)), max(f32x4.extract_lane(scale, 2), f32x4.extract_lane(scale, 3)));
  for (let i = c4; i < count; i++) {
    const off = <usize>i << 2;
    const a = <f64>load<f32>(w + off);
    const b = <f64>load<f32>(w0 + off);
    ms = max(ms, abs(a));
    ws += a * a;
    cs += (a - b) * (a - b);
    ss += b * b;
  }
  store<f64>(out, ws);
  store<f64>(out, cs, 8);
  store<f64>(out, ss, 16);
  store<f64>(out, ms, 24);
}

// p −= lr·g.
export function sgd(p: usize, g: usize, count: i32, lr: f32): void {
  const c4 = count & ~3;
  const vlr = f32x4.splat(lr);
  for (let i = 0; i < c4; i += 4) {
    const off = <usize>i << 2;
    v128.store(p + off, f32x4.sub(v128.load(p + off), f32x4.mul(vlr, v128.load(g + off))));
  }
  for (let i = c4; i < count; i++) {
    const off = <usize>i << 2;
    store<f32>(p + off, load<f32>(p + off) - lr * load<f32>(g + off));
  }
}

// v = μv + g; p −= lr·v, or lr·(g + μv) for Nesterov.
export function momentum(p: usize, g: usize, v: usize, count: i32, lr: f32, mu: f32, nesterov: bool): void {
  const c4 = count & ~3;
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(mu);
  for (let i = 0; i < c4; i += 4) {
    const off = <usize>i << 2;
    const gi = v128.load(g + off);
    const vi = f32x4.add(f32x4.mul(vmu, v128.load(v + off)), gi);
    v128.store(v + off, vi);
    const step = nesterov ? f32x4.add(gi, f32x4.mul(vmu, vi)) : vi;
    v128.store(p + off, f32x4.sub(v128.load(p + off), f32x4.mul(vlr, step)));
  }
  for (let i = c4; i < count; i++) {
    const off = <usize>i << 2;
    const gi = load<f32>(g + off);
    const vi = mu * load<f32>(v + off) + gi;
    store<f32>(v + off, vi);
    store<f32>(p + off, load<f32>(p + off) - lr * (nesterov ? gi + mu * vi : vi));
  }
}

// Adam; c1 = 1 − β1^t and c2 = 1 − β2^t are the bias corrections of this step.
export function adam(p: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32): void {
  for (let i = 0; i < count; i++) {
    const off = <usize>i << 2;
    const gi = load<f32>(g + off);
    const mi = beta1 * load<f32>(m + off) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + off) + (1 - beta2) * gi * gi;
    store<f32>(m + off, mi);
    store<f32>(v + off, vi);
    store<f32>(p + off, load<f32>(p + off) - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + epsilon));
  }
}

// The end of the module's static data (math tables): the host must not place anything below it.
export function dataEnd(): usize {
  return __heap_base;
}
