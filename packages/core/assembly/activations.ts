// Element-wise activations for the SIMD kernels, in float32. Codes are each definition's `code` in
// src/activations/*.ts, which hold the reference functions (and papers) that these must match; a
// code without a case here gives NaN, which the wasm-vs-js tests of every activation catch.
// Piecewise-linear ones run four lanes at a time.

const LAMBDA: f32 = 1.0507009873554805;
const SELU_ALPHA: f32 = 1.6732632423543772;
const GELU_C: f32 = 0.7978845608028654; // √(2/π)
const GELU_K: f32 = 0.044715;

// @ts-ignore: decorator
@inline function sigmoid(z: f32): f32 {
  if (z >= 0) return 1 / (1 + Mathf.exp(-z));
  const e = Mathf.exp(z);
  return e / (1 + e);
}

// h = f(z) over `count` elements.
export function activationForward(code: i32, alpha: f32, z: usize, h: usize, count: i32): void {
  const c4 = code == 3 || code == 4 ? count & ~3 : 0;
  if (code == 3 || code == 4) {
    // A select on z > 0, like the scalar form, so NaN maps to 0 in both.
    const a = f32x4.splat(code == 3 ? 0 : alpha);
    const zero = f32x4.splat(0);
    for (let i = 0; i < c4; i += 4) {
      const v = v128.load(z + (<usize>i << 2));
      v128.store(h + (<usize>i << 2), v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero)));
    }
  }
  for (let i = c4; i < count; i++) {
    const x = load<f32>(z + (<usize>i << 2));
    let y: f32;
    switch (code) {
      case 0: y = x; break;
      case 1: y = sigmoid(x); break;
      case 2: y = Mathf.tanh(x); break;
      case 3: y = x > 0 ? x : 0; break;
      case 4: y = x > 0 ? x : alpha * x; break;
      case 5: y = x > 0 ? x : alpha * Mathf.expm1(x); break;
      case 6: y = x > 0 ? LAMBDA * x : LAMBDA * SELU_ALPHA * Mathf.expm1(x); break;
      case 7: y = 0.5 * x * (1 + Mathf.tanh(GELU_C * (x + GELU_K * x * x * x))); break;
      case 8: y = x * sigmoid(x); break;
      case 9: y = Mathf.max(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x))); break;
      case 10: y = x * Mathf.tanh(Mathf.max(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x)))); break;
      default: y = NaN;
    }
    store<f32>(h + (<usize>i << 2), y);
  }
}

// d ⊙= f'(z), given z and h = f(z), over `count` elements.
export function activationBackward(code: i32, alpha: f32, z: usize, h: usize, d: usize, count: i32): void {
  if (code == 0) return;
  const c4 = code == 3 || code == 4 ? count & ~3 : 0;
  if (code == 3 || code == 4) {
    const zero = f32x4.splat(0);
    const a = f32x4.splat(code == 3 ? 0 : alpha);
    for (let i = 0; i < c4; i += 4) {
      const off = <usize>i << 2;
      const g = v128.load(d + off);
      v128.store(d + off, v128.bitselect(g, f32x4.mul(g, a), f32x4.gt(v128.load(z + off), zero)));
    }
  }
  for (let i = c4; i < count; i++) {
    const off = <usize>i << 2;
    const x = load<f32>(z + off);
    const y = load<f32>(h + off);
    let s: f32;
    switch (code) {
      case 1: s = y * (1 - y); break;
      case 2: s = 1 - y * y; break;
      case 3: s = x > 0 ? 1 : 0; break;
      case 4: s = x > 0 ? 1 : alpha; break;
      case 5: s = x > 0 ? 1 : y + alpha; break;
      case 6: s = x > 0 ? LAMBDA : y + LAMBDA * SELU_ALPHA; break;
      case 7: {
        const t = Mathf.tanh(GELU_C * (x + GELU_K * x * x * x));
        s = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x);
        break;
      }
      case 8: {
        const g = sigmoid(x);
        s = g * (1 + x * (1 - g));
        break;
      }
      case 9: s = sigmoid(x); break;
      case 10: {
        const t = Mathf.tanh(Mathf.max(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x))));
        s = t + x * (1 - t * t) * sigmoid(x);
        break;
      }
      default: s = NaN;
    }
    store<f32>(d + off, load<f32>(d + off) * s);
  }
}
