/**
 * The WGSL kernels of a pack: every entry point works on all nets of the pack at once, net-major
 * buffers, one thread per output element (the matmuls: PER_THREAD of them; the optimizer) or one
 * workgroup per net (reductions and probe statistics). Activation codes are each core activation's
 * `code` and the formulas those of packages/core/assembly/activations.ts, in float32; a code without
 * a case gives NaN, which the parity tests of every activation catch.
 */
export const WORKGROUP = 64;
/** Outputs per thread of the matmul kernels (rows of Z and of dZ, input units of dWt): each value a thread loads serves that many products. */
export const PER_THREAD = 4;

/** The fields of the Pack uniform, in order (all u32 but the last two). */
export const PACK_FIELDS = [
  "nets",
  "block",
  "acts",
  "rows",
  "dims",
  "classes",
  "layers",
  "bins",
  "trainN",
  "evalN",
  "pad0",
  "hiddenUnits",
  "dataStride",
  "intStride",
  "stateAt",
  "histAt",
  "liveAt",
  "aGrad",
  "aVal",
  "aStats",
  "aUnits",
  "aNorms",
  "rowLoss",
  "rowCorrect",
  "aPairs",
  "symmetryTolerance",
  "outLo",
  "outScale",
  "outInv",
  "zLo",
  "zScale",
  "zInv",
] as const;

/** The Pack uniform's float fields. */
export const PACK_F32_FIELDS: ReadonlySet<string> = new Set(["symmetryTolerance", "outLo", "outScale", "outInv", "zLo", "zScale", "zInv"]);

/** The fields of a Layer uniform, in order. */
export const LAYER_FIELDS = ["index", "nin", "nout", "wt", "b", "x", "z", "h", "dz", "dx", "hidden", "live", "prevZ", "pad0", "pad1", "pad2"] as const;

/** The fields of the Step uniform, in order. */
export const STEP_FIELDS = ["start", "n", "step", "mode", "probe", "first", "pad0", "pad1"] as const;

/** The fields of one Net record (u32 where noted, else f32). */
export const NET_FIELDS = ["act", "alpha", "opt", "lr", "mu", "b1", "b2", "eps", "lo", "scale", "satLo", "satHi", "sat", "inv", "pad1", "pad2"] as const;
export const NET_U32_FIELDS: ReadonlySet<string> = new Set(["act", "opt", "sat", "pad1", "pad2"]);

/**
 * Per-net accumulator slots of the train region (cleared every epoch): loss sum, correct, rows seen
 * over the epoch's minibatches, then the same measured over the training split after its updates.
 */
export const TRAIN_SLOTS = 6;
/** Per-(net, layer) slots of the stats region: LayerStats.sums in SUM's order (shifted Σz, Σz², Σh, Σh², saturated, non-finite), then shift z, shift h. */
export const STAT_SLOTS = 8;

const struct = (name: string, fields: readonly string[], f32: (f: string) => boolean) =>
  `struct ${name} {\n${fields.map((f) => `  ${f}: ${f32(f) ? "f32" : "u32"},`).join("\n")}\n}`;

export const KERNELS = /* wgsl */ `
${struct("Pack", PACK_FIELDS, (f) => PACK_F32_FIELDS.has(f))}
${struct("Layer", LAYER_FIELDS, () => false)}
${struct("Step", STEP_FIELDS, () => false)}
${struct("Net", NET_FIELDS, (f) => !NET_U32_FIELDS.has(f))}

@group(0) @binding(0) var<uniform> pack: Pack;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> nets: array<Net>;
@group(0) @binding(3) var<storage, read_write> params: array<f32>;
// Per net: gradients, first moments, second moments, each one parameter block long.
@group(0) @binding(4) var<storage, read_write> opt: array<f32>;
@group(0) @binding(5) var<storage, read_write> acts: array<f32>;
@group(0) @binding(6) var<storage, read> data: array<f32>;
@group(0) @binding(7) var<storage, read_write> ints: array<u32>;
@group(0) @binding(8) var<storage, read_write> acc: array<f32>;
@group(0) @binding(9) var<storage, read> w0: array<f32>;
@group(1) @binding(0) var<uniform> layer: Layer;

const WG = ${WORKGROUP}u;
const PER_THREAD = ${PER_THREAD}u;
const LAMBDA: f32 = 1.0507009873554805;
const SELU_ALPHA: f32 = 1.6732632423543772;
const GELU_C: f32 = 0.7978845608028654;
const GELU_K: f32 = 0.044715;

fn flat(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }
// By the bits, so that no compiler may assume finite math away.
fn finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }

// t(h) of the core's histogram.ts: h when inv (1/c) is 0; else x = |h|/c below 1, beyond it 1 + the
// float's exponent and mantissa read as one number; h's sign.
fn symlog(h: f32, inv: f32) -> f32 {
  if (inv == 0.0) { return h; }
  let x = abs(h) * inv;
  var t = x;
  if (x >= 1.0) { t = f32(bitcast<i32>(x) - 0x3f800000) * 1.1920928955078125e-7 + 1.0; }
  return select(t, -t, h < 0.0);
}
fn alive(p: u32) -> bool { return ints[pack.stateAt + p] == 0u; }

fn sigmoid(z: f32) -> f32 {
  if (z >= 0.0) { return 1.0 / (1.0 + exp(-z)); }
  let e = exp(z);
  return e / (1.0 + e);
}
// Kahan's forms: exp(x) − 1 and ln(1 + y) without losing small arguments.
fn expm1(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um = u - 1.0;
  if (um == -1.0) { return -1.0; }
  return um * x / log(u);
}
fn log1p(y: f32) -> f32 {
  let u = 1.0 + y;
  if (u == 1.0) { return y; }
  return log(u) * y / (u - 1.0);
}
// tanh through expm1: exact for small z and no overflow for large ones.
fn tanh_(z: f32) -> f32 {
  let e = expm1(2.0 * min(abs(z), 20.0));
  return sign(z) * e / (e + 2.0);
}

// A NaN made at run time (a constant NaN is a shader-creation error): what an unknown code gives.
fn nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn act(k: u32, a: f32, z: f32) -> f32 {
  switch k {
    case 0u: { return z; }
    case 1u: { return sigmoid(z); }
    case 2u: { return tanh_(z); }
    case 3u: { return select(0.0, z, z > 0.0); }
    case 4u: { return select(a * z, z, z > 0.0); }
    case 5u: { return select(a * expm1(z), z, z > 0.0); }
    case 6u: { return select(LAMBDA * SELU_ALPHA * expm1(z), LAMBDA * z, z > 0.0); }
    case 7u: { return 0.5 * z * (1.0 + tanh_(GELU_C * (z + GELU_K * z * z * z))); }
    case 8u: { return z * sigmoid(z); }
    case 9u: { return max(z, 0.0) + log1p(exp(-abs(z))); }
    case 10u: { return z * tanh_(max(z, 0.0) + log1p(exp(-abs(z)))); }
    default: { return nan(); }
  }
}

fn dact(k: u32, a: f32, z: f32, h: f32) -> f32 {
  switch k {
    case 0u: { return 1.0; }
    case 1u: { return h * (1.0 - h); }
    case 2u: { return 1.0 - h * h; }
    case 3u: { return select(0.0, 1.0, z > 0.0); }
    case 4u: { return select(a, 1.0, z > 0.0); }
    case 5u: { return select(h + a, 1.0, z > 0.0); }
    case 6u: { return select(h + LAMBDA * SELU_ALPHA, LAMBDA, z > 0.0); }
    case 7u: {
      let t = tanh_(GELU_C * (z + GELU_K * z * z * z));
      return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_K * z * z);
    }
    case 8u: {
      let g = sigmoid(z);
      return g * (1.0 + z * (1.0 - g));
    }
    case 9u: { return sigmoid(z); }
    case 10u: {
      let t = tanh_(max(z, 0.0) + log1p(exp(-abs(z))));
      return t + z * (1.0 - t * t) * sigmoid(z);
    }
    default: { return nan(); }
  }
}

// Rows of a minibatch (mode 0: through the epoch's order; mode 2: the same, to measure the training
// split after an epoch's updates) or of the evaluation set (mode 1) into X and labels.
@compute @workgroup_size(WG) fn gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = flat(gid, nwg);
  let per = step.n * (pack.dims + 1u);
  if (t >= pack.nets * per) { return; }
  let p = t / per;
  let i = (t % per) / (pack.dims + 1u);
  let d = (t % per) % (pack.dims + 1u);
  let ib = p * pack.intStride;
  var src = step.start + i;
  var xAt = pack.trainN * pack.dims;
  var yAt = ib + pack.rows + 2u * pack.trainN;
  if (step.mode != 1u) {
    src = ints[ib + pack.rows + step.start + i];
    xAt = 0u;
    yAt = ib + pack.rows + pack.trainN;
  }
  if (d == pack.dims) {
    ints[ib + i] = ints[yAt + src];
  } else {
    acts[p * pack.acts + i * pack.dims + d] = data[p * pack.dataStride + xAt + src * pack.dims + d];
  }
}

// Where thread t of a matmul works when each net has extent × units outputs and a thread computes
// PER_THREAD consecutive ones along extent: its net, the first of its outputs along extent, its
// unit, and how many of its PER_THREAD exist (fewer at the end). p ≥ pack.nets: no work.
struct Block { p: u32, first: u32, unit: u32, count: u32 }
fn block(t: u32, extent: u32, units: u32) -> Block {
  let per = ((extent + PER_THREAD - 1u) / PER_THREAD) * units;
  let first = ((t % per) / units) * PER_THREAD;
  return Block(t / per, first, (t % per) % units, min(PER_THREAD, extent - first));
}

// Z = X·Wt + b, and H = f(Z) in hidden layers (the output's softmax is its own kernel); each
// thread computes one output unit for PER_THREAD rows.
@compute @workgroup_size(WG) fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = block(flat(gid, nwg), step.n, layer.nout);
  let p = blk.p;
  if (p >= pack.nets) { return; }
  let i0 = blk.first;
  let o = blk.unit;
  let m = blk.count;
  let pb = p * pack.block;
  let xb = p * pack.acts + layer.x + i0 * layer.nin;
  var z = array<f32, PER_THREAD>();
  for (var k = 0u; k < layer.nin; k++) {
    let w = params[pb + layer.wt + k * layer.nout + o];
    for (var r = 0u; r < PER_THREAD; r++) {
      if (r < m) { z[r] += acts[xb + r * layer.nin + k] * w; }
    }
  }
  let bias = params[pb + layer.b + o];
  let a = nets[p].act;
  let alpha = nets[p].alpha;
  for (var r = 0u; r < m; r++) {
    let at = p * pack.acts + (i0 + r) * layer.nout + o;
    let zr = z[r] + bias;
    acts[at + layer.z] = zr;
    if (layer.hidden == 1u) { acts[at + layer.h] = act(a, alpha, zr); }
  }
}

// Softmax, per-row cross-entropy and correctness; in training, dZ = (softmax − onehot)/n.
@compute @workgroup_size(WG) fn softmax_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = flat(gid, nwg);
  if (t >= pack.nets * step.n) { return; }
  let p = t / step.n;
  let i = t % step.n;
  let c = layer.nout;
  let ab = p * pack.acts;
  let zb = ab + layer.z + i * c;
  let hb = ab + layer.h + i * c;
  var m = acts[zb];
  var best = 0u;
  for (var k = 1u; k < c; k++) {
    let v = acts[zb + k];
    if (v > acts[zb + best]) { best = k; }
    m = max(m, v);
  }
  var s = 0.0;
  for (var k = 0u; k < c; k++) {
    let e = exp(acts[zb + k] - m);
    acts[hb + k] = e;
    s += e;
  }
  let y = ints[p * pack.intStride + i];
  acts[ab + pack.rowLoss + i] = m + log(s) - acts[zb + y];
  acts[ab + pack.rowCorrect + i] = select(0.0, 1.0, best == y);
  for (var k = 0u; k < c; k++) {
    let prob = acts[hb + k] / s;
    acts[hb + k] = prob;
    if (step.mode == 0u) {
      acts[ab + layer.dz + i * c + k] = (prob - select(0.0, 1.0, k == y)) / f32(step.n);
    }
  }
}

var<workgroup> red: array<f32, ${6 * WORKGROUP}>;

// Tree sum of red[slot·WG …] over the workgroup; the total lands in red[slot·WG].
fn reduce(lid: u32, slots: u32) {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) {
      for (var j = 0u; j < slots; j++) { red[j * WG + lid] += red[j * WG + lid + s]; }
    }
  }
  workgroupBarrier();
}

// One workgroup per net: the pass's loss and correct counts into the train's running (mode 0) or
// measured (mode 2) slots — a net whose loss is no longer finite is marked diverged and trains no
// more — or into the validation accumulators (mode 1).
@compute @workgroup_size(WG) fn reduce_rows(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x;
  let ab = p * pack.acts;
  var l = 0.0;
  var c = 0.0;
  for (var i = lid; i < step.n; i += WG) {
    l += acts[ab + pack.rowLoss + i];
    c += acts[ab + pack.rowCorrect + i];
  }
  red[lid] = l;
  red[WG + lid] = c;
  reduce(lid, 2u);
  if (lid == 0u) {
    if (step.mode == 1u) {
      acc[pack.aVal + 2u * p] += red[0];
      acc[pack.aVal + 2u * p + 1u] += red[WG];
    } else if (alive(p)) {
      let at = ${TRAIN_SLOTS}u * p + select(0u, 3u, step.mode == 2u);
      acc[at] += red[0];
      acc[at + 1u] += red[WG];
      acc[at + 2u] += f32(step.n);
      if (!finite(red[0])) { ints[pack.stateAt + p] = 2u; }
    }
  }
}

// dWt = Xᵀ·dZ (k < nin) and db = Σ rows of dZ (k = nin); each thread computes PER_THREAD consecutive k.
@compute @workgroup_size(WG) fn backward_params(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = block(flat(gid, nwg), layer.nin + 1u, layer.nout);
  let p = blk.p;
  if (p >= pack.nets || !alive(p)) { return; }
  let k0 = blk.first;
  let o = blk.unit;
  let m = blk.count;
  let ab = p * pack.acts;
  var g = array<f32, PER_THREAD>();
  for (var i = 0u; i < step.n; i++) {
    let d = acts[ab + layer.dz + i * layer.nout + o];
    let xb = ab + layer.x + i * layer.nin + k0;
    for (var r = 0u; r < PER_THREAD; r++) {
      if (k0 + r < layer.nin) { g[r] += acts[xb + r] * d; } else if (k0 + r == layer.nin) { g[r] += d; }
    }
  }
  let gb = p * 3u * pack.block;
  for (var r = 0u; r < m; r++) {
    let k = k0 + r;
    opt[gb + select(layer.wt + k * layer.nout, layer.b, k == layer.nin) + o] = g[r];
  }
}

// The previous layer's dZ = (dZ·Wtᵀ) ⊙ f′(Z_prev); each thread computes one input unit for PER_THREAD rows.
@compute @workgroup_size(WG) fn backward_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = block(flat(gid, nwg), step.n, layer.nin);
  let p = blk.p;
  if (p >= pack.nets || !alive(p)) { return; }
  let i0 = blk.first;
  let k = blk.unit;
  let m = blk.count;
  let ab = p * pack.acts;
  let wb = p * pack.block + layer.wt + k * layer.nout;
  let db = ab + layer.dz + i0 * layer.nout;
  var d = array<f32, PER_THREAD>();
  for (var o = 0u; o < layer.nout; o++) {
    let w = params[wb + o];
    for (var r = 0u; r < PER_THREAD; r++) {
      if (r < m) { d[r] += acts[db + r * layer.nout + o] * w; }
    }
  }
  let a = nets[p].act;
  let alpha = nets[p].alpha;
  for (var r = 0u; r < m; r++) {
    let at = (i0 + r) * layer.nin + k;
    acts[ab + layer.dx + at] = d[r] * dact(a, alpha, acts[ab + layer.prevZ + at], acts[ab + layer.x + at]);
  }
}

// One workgroup per net: adds this minibatch's ‖dWt‖ and ‖db‖ to the layer's sums (traced epochs).
@compute @workgroup_size(WG) fn grad_norms(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x;
  let gb = p * 3u * pack.block;
  var w = 0.0;
  var b = 0.0;
  for (var j = lid; j < layer.nin * layer.nout; j += WG) { let g = opt[gb + layer.wt + j]; w += g * g; }
  for (var j = lid; j < layer.nout; j += WG) { let g = opt[gb + layer.b + j]; b += g * g; }
  red[lid] = w;
  red[WG + lid] = b;
  reduce(lid, 2u);
  if (lid == 0u && alive(p)) {
    let base = pack.aGrad + p * (2u * pack.layers + 1u);
    acc[base + 2u * layer.index] += sqrt(red[0]);
    acc[base + 2u * layer.index + 1u] += sqrt(red[WG]);
    if (layer.index == 0u) { acc[base + 2u * pack.layers] += 1.0; }
  }
}

// One step of each net's optimizer over its whole parameter block (step.step is 1-based).
@compute @workgroup_size(WG) fn optimize(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = flat(gid, nwg);
  if (t >= pack.nets * pack.block) { return; }
  let p = t / pack.block;
  if (!alive(p)) { return; }
  let j = t % pack.block;
  let net = nets[p];
  let gi = p * 3u * pack.block + j;
  let g = opt[gi];
  let at = p * pack.block + j;
  switch net.opt {
    case 0u: { params[at] -= net.lr * g; }
    case 1u, 2u: {
      let v = net.mu * opt[gi + pack.block] + g;
      opt[gi + pack.block] = v;
      params[at] -= net.lr * select(v, g + net.mu * v, net.opt == 2u);
    }
    // Sutskever's Nesterov, from the look-ahead θ − lr·μ·b: b ← μb + g and θ ← look-ahead − lr·g.
    case 4u: {
      opt[gi + pack.block] = net.mu * opt[gi + pack.block] + g;
      params[at] -= net.lr * g;
    }
    default: {
      let m = net.b1 * opt[gi + pack.block] + (1.0 - net.b1) * g;
      let v = net.b2 * opt[gi + 2u * pack.block] + (1.0 - net.b2) * g * g;
      opt[gi + pack.block] = m;
      opt[gi + 2u * pack.block] = v;
      let c1 = 1.0 - pow(net.b1, f32(step.step));
      let c2 = 1.0 - pow(net.b2, f32(step.step));
      params[at] -= (net.lr * (m / c1)) / (sqrt(v / c2) + net.eps);
    }
  }
}

// Sutskever's Nesterov takes its gradient at the look-ahead θ − lr·μ·b: moved there before the forward pass.
@compute @workgroup_size(WG) fn look_ahead(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = flat(gid, nwg);
  if (t >= pack.nets * pack.block) { return; }
  let p = t / pack.block;
  let net = nets[p];
  if (!alive(p) || net.opt != 4u) { return; }
  let j = t % pack.block;
  params[p * pack.block + j] -= net.lr * net.mu * opt[p * 3u * pack.block + pack.block + j];
}

var<workgroup> bins: array<atomic<u32>, 256>;
var<workgroup> zbins: array<atomic<u32>, 256>;

// One workgroup per net: adds the chunk's first step.probe rows of this layer to its probe
// statistics, as the core's LayerStats does: sums shifted by the first value seen, saturated and
// non-finite counts, the histograms of H and of Z, live units (f′ ≠ 0 somewhere) and, at the output, each
// unit's spread.
@compute @workgroup_size(WG) fn observe(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x;
  let net = nets[p];
  let ab = p * pack.acts;
  let sb = pack.aStats + ${STAT_SLOTS}u * (p * pack.layers + layer.index);
  for (var b = lid; b < pack.bins; b += WG) {
    atomicStore(&bins[b], 0u);
    atomicStore(&zbins[b], 0u);
  }
  var sz = acc[sb + 6u];
  var sh = acc[sb + 7u];
  if (step.first == 1u) {
    sz = acts[ab + layer.z];
    sh = acts[ab + layer.h];
  }
  var lo = pack.outLo;
  var scale = pack.outScale;
  var inv = pack.outInv;
  if (layer.hidden == 1u) {
    lo = net.lo;
    scale = net.scale;
    inv = net.inv;
  }
  workgroupBarrier();
  var s = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var u = lid; u < layer.nout; u += WG) {
    let ub = pack.aUnits + 3u * (p * pack.classes + u);
    var us = 0.0;
    if (layer.hidden == 0u) {
      us = select(acc[ub], acts[ab + layer.z + u], step.first == 1u);
    }
    var live = false;
    var usum = 0.0;
    var usq = 0.0;
    for (var i = 0u; i < step.probe; i++) {
      let zv = acts[ab + layer.z + i * layer.nout + u];
      let hv = acts[ab + layer.h + i * layer.nout + u];
      if (layer.hidden == 1u && dact(net.act, net.alpha, zv, hv) != 0.0) { live = true; }
      if (!finite(zv) || !finite(hv)) {
        s[5] += 1.0;
        continue;
      }
      let dz = zv - sz;
      let dh = hv - sh;
      s[0] += dz;
      s[1] += dz * dz;
      s[2] += dh;
      s[3] += dh * dh;
      if (layer.hidden == 1u && net.sat == 1u && (hv < net.satLo || hv > net.satHi)) { s[4] += 1.0; }
      let bin = i32(floor((symlog(hv, inv) - lo) * scale));
      atomicAdd(&bins[u32(clamp(bin, 0, i32(pack.bins) - 1))], 1u);
      let zbin = i32(floor((symlog(zv, pack.zInv) - pack.zLo) * pack.zScale));
      atomicAdd(&zbins[u32(clamp(zbin, 0, i32(pack.bins) - 1))], 1u);
      if (layer.hidden == 0u) {
        let du = zv - us;
        usum += du;
        usq += du * du;
      }
    }
    if (layer.hidden == 1u && live) { ints[pack.liveAt + p * pack.hiddenUnits + layer.live + u] = 1u; }
    if (layer.hidden == 0u) {
      acc[ub] = us;
      acc[ub + 1u] += usum;
      acc[ub + 2u] += usq;
    }
  }
  for (var j = 0u; j < 6u; j++) { red[j * WG + lid] = s[j]; }
  reduce(lid, 6u);
  if (lid == 0u) {
    for (var j = 0u; j < 6u; j++) { acc[sb + j] += red[j * WG]; }
    acc[sb + 6u] = sz;
    acc[sb + 7u] = sh;
  }
  // Per net and layer: the histogram of H, then that of Z.
  let hb = pack.histAt + (p * pack.layers + layer.index) * 2u * pack.bins;
  for (var b = lid; b < pack.bins; b += WG) {
    ints[hb + b] += atomicLoad(&bins[b]);
    ints[hb + pack.bins + b] += atomicLoad(&zbins[b]);
  }
}

var<workgroup> largest: array<f32, WG>;

// One workgroup per net: how many units of this layer have a copy — another unit whose incoming
// weights and bias agree within the core's symmetry tolerance of the layer's largest value. Where
// none has, the layer's symmetry is 0 without reading its weights back.
@compute @workgroup_size(WG) fn pairs(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x;
  let pb = p * pack.block;
  let nin = layer.nin;
  let nout = layer.nout;
  var m = 0.0;
  for (var j = lid; j < nin * nout; j += WG) { m = max(m, abs(params[pb + layer.wt + j])); }
  for (var j = lid; j < nout; j += WG) { m = max(m, abs(params[pb + layer.b + j])); }
  largest[lid] = m;
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) { largest[lid] = max(largest[lid], largest[lid + s]); }
  }
  workgroupBarrier();
  let tolerance = pack.symmetryTolerance * largest[0];
  var copies = 0.0;
  for (var u = lid; u < nout; u += WG) {
    var found = false;
    for (var v = 0u; v < nout && !found; v++) {
      if (v == u || !(abs(params[pb + layer.b + u] - params[pb + layer.b + v]) <= tolerance)) { continue; }
      var same = true;
      for (var k = 0u; k < nin && same; k++) {
        same = abs(params[pb + layer.wt + k * nout + u] - params[pb + layer.wt + k * nout + v]) <= tolerance;
      }
      found = same;
    }
    if (found) { copies += 1.0; }
  }
  red[lid] = copies;
  reduce(lid, 1u);
  if (lid == 0u) { acc[pack.aPairs + p * pack.layers + layer.index] = red[0]; }
}

// One workgroup per net: ‖Wt‖², ‖Wt − Wt_start‖² and ‖Wt_start‖² of this layer.
@compute @workgroup_size(WG) fn norms(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x;
  let pb = p * pack.block + layer.wt;
  var s = array<f32, 3>(0.0, 0.0, 0.0);
  for (var j = lid; j < layer.nin * layer.nout; j += WG) {
    let w = params[pb + j];
    let v = w0[pb + j];
    s[0] += w * w;
    s[1] += (w - v) * (w - v);
    s[2] += v * v;
  }
  for (var j = 0u; j < 3u; j++) { red[j * WG + lid] = s[j]; }
  reduce(lid, 3u);
  if (lid == 0u) {
    for (var j = 0u; j < 3u; j++) { acc[pack.aNorms + 3u * (p * pack.layers + layer.index) + j] = red[j * WG]; }
  }
}
`;
