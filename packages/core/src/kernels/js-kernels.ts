import type { Heap, Kernels } from "./kernels.ts";

/**
 * The reference kernels: plain loops that accumulate in float64. With a Float64Array heap the whole
 * network runs in float64, which the gradient checks rely on.
 */
export function createJsKernels(heap: Heap): Kernels {
  const a = heap;
  return {
    name: "js",
    heap,
    linearForward(x, wt, b, z, n, nin, nout) {
      for (let i = 0; i < n; i++) {
        const zi = z + i * nout;
        for (let o = 0; o < nout; o++) a[zi + o] = a[b + o]!;
        for (let k = 0; k < nin; k++) {
          const xk = a[x + i * nin + k]!;
          const wk = wt + k * nout;
          for (let o = 0; o < nout; o++) a[zi + o]! += xk * a[wk + o]!;
        }
      }
    },
    linearBackwardInput(dz, wt, dx, n, nin, nout) {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < nin; k++) {
          let s = 0;
          for (let o = 0; o < nout; o++) s += a[dz + i * nout + o]! * a[wt + k * nout + o]!;
          a[dx + i * nin + k] = s;
        }
      }
    },
    linearBackwardParams(dz, x, dwt, db, n, nin, nout) {
      let squares = 0;
      for (let k = 0; k < nin; k++) {
        for (let o = 0; o < nout; o++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += a[x + i * nin + k]! * a[dz + i * nout + o]!;
          a[dwt + k * nout + o] = s;
          squares += s * s;
        }
      }
      for (let o = 0; o < nout; o++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += a[dz + i * nout + o]!;
        a[db + o] = s;
      }
      return squares;
    },
    activationForward(activation, z, h, count) {
      for (let i = 0; i < count; i++) a[h + i] = activation.forward(a[z + i]!);
    },
    activationBackward(activation, z, h, d, count) {
      for (let i = 0; i < count; i++) a[d + i]! *= activation.derivative(a[z + i]!, a[h + i]!);
    },
    observeHidden(z, h, d, n, stats) {
      const { units, live } = stats;
      for (let i = 0; i < n; i++) {
        for (let u = 0; u < units; u++) {
          const e = i * units + u;
          if (a[d + e] !== 0) live[u] = 1;
          stats.add(a[z + e]!, a[h + e]!);
        }
      }
      stats.count += n * units;
    },
    weightChange(w, w0, count, out) {
      let weights = 0;
      let change = 0;
      let start = 0;
      let scale = 0;
      for (let i = 0; i < count; i++) {
        const wi = a[w + i]!;
        const si = a[w0 + i]!;
        weights += wi * wi;
        change += (wi - si) * (wi - si);
        start += si * si;
        scale = Math.max(scale, Math.abs(wi));
      }
      out[0] = weights;
      out[1] = change;
      out[2] = start;
      out[3] = scale;
    },
    sgd(p, g, count, lr) {
      for (let i = 0; i < count; i++) a[p + i]! -= lr * a[g + i]!;
    },
    momentum(p, g, v, count, lr, mu, nesterov) {
      for (let i = 0; i < count; i++) {
        const vi = mu * a[v + i]! + a[g + i]!;
        a[v + i] = vi;
        a[p + i]! -= lr * (nesterov ? a[g + i]! + mu * vi : vi);
      }
    },
    adam(p, g, m, v, count, lr, beta1, beta2, epsilon, step) {
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (let i = 0; i < count; i++) {
        const gi = a[g + i]!;
        const mi = beta1 * a[m + i]! + (1 - beta1) * gi;
        const vi = beta2 * a[v + i]! + (1 - beta2) * gi * gi;
        a[m + i] = mi;
        a[v + i] = vi;
        a[p + i]! -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
      }
    },
  };
}
