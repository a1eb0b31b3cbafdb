import type { Random } from "../random.ts";
import { planarPoints, type Points } from "./points.ts";

/** Isotropic Gaussian blobs (std `spread`) around k centres drawn in [−10, 10]², as make_blobs. */
export function blobs(n: number, centers: number, spread: number, rng: Random): Points {
  const p = planarPoints(n, centers);
  const c = new Float64Array(centers * 2);
  for (let i = 0; i < c.length; i++) c[i] = rng.uniformIn(-10, 10);
  for (let i = 0; i < n; i++) {
    const k = i % centers;
    p.features[2 * i] = c[2 * k]! + spread * rng.normal();
    p.features[2 * i + 1] = c[2 * k + 1]! + spread * rng.normal();
    p.labels[i] = k;
  }
  return p;
}
