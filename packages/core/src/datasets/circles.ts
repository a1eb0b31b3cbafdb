import type { Random } from "../random.ts";
import { linspace, planarPoints, type Points } from "./points.ts";

/** A circle inside a circle (radius `factor` inside radius 1), as sklearn.datasets.make_circles. */
export function circles(n: number, noise: number, factor: number, rng: Random): Points {
  const outer = Math.floor(n / 2);
  const p = planarPoints(n, 2);
  const tOuter = linspace(0, 2 * Math.PI, outer, false);
  const tInner = linspace(0, 2 * Math.PI, n - outer, false);
  for (let i = 0; i < n; i++) {
    const isOuter = i < outer;
    const t = isOuter ? tOuter[i]! : tInner[i - outer]!;
    const r = isOuter ? 1 : factor;
    p.features[2 * i] = r * Math.cos(t) + noise * rng.normal();
    p.features[2 * i + 1] = r * Math.sin(t) + noise * rng.normal();
    p.labels[i] = isOuter ? 0 : 1;
  }
  return p;
}
