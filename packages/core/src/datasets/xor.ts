import type { Random } from "../random.ts";
import { planarPoints, type Points } from "./points.ts";

/**
 * XOR: points uniform in [−1, 1]², class 1 where x·y > 0, then Gaussian noise on the coordinates.
 * No linear classifier beats chance on it, the classic case for a hidden layer.
 */
export function xor(n: number, noise: number, rng: Random): Points {
  const p = planarPoints(n, 2);
  for (let i = 0; i < n; i++) {
    const x = rng.uniformIn(-1, 1);
    const y = rng.uniformIn(-1, 1);
    p.labels[i] = x * y > 0 ? 1 : 0;
    p.features[2 * i] = x + noise * rng.normal();
    p.features[2 * i + 1] = y + noise * rng.normal();
  }
  return p;
}
