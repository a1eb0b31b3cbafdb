import type { Random } from "../random.ts";
import { linspace, planarPoints, type Points } from "./points.ts";

/** Two interleaving half circles with Gaussian noise, as sklearn.datasets.make_moons. */
export function moons(n: number, noise: number, rng: Random): Points {
  const outer = Math.floor(n / 2);
  const p = planarPoints(n, 2);
  const tOuter = linspace(0, Math.PI, outer);
  const tInner = linspace(0, Math.PI, n - outer);
  for (let i = 0; i < n; i++) {
    const isOuter = i < outer;
    const t = isOuter ? tOuter[i]! : tInner[i - outer]!;
    p.features[2 * i] = (isOuter ? Math.cos(t) : 1 - Math.cos(t)) + noise * rng.normal();
    p.features[2 * i + 1] = (isOuter ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * rng.normal();
    p.labels[i] = isOuter ? 0 : 1;
  }
  return p;
}
