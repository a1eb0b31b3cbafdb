import type { Random } from "../random.ts";
import { planarPoints, type Points } from "./points.ts";

/**
 * k interleaved spiral arms, one class each (the CS231n spiral): along an arm the radius grows
 * from 0 to 1 while the angle turns `turns` full circles; `noise` is the angle's jitter in radians.
 */
export function spirals(n: number, arms: number, turns: number, noise: number, rng: Random): Points {
  const p = planarPoints(n, arms);
  for (let i = 0; i < n; i++) {
    const arm = i % arms;
    const perArm = Math.floor(n / arms) + (arm < n % arms ? 1 : 0);
    const j = Math.floor(i / arms);
    const r = perArm > 1 ? j / (perArm - 1) : 0;
    const angle = 2 * Math.PI * (turns * r + arm / arms) + noise * rng.normal();
    p.features[2 * i] = r * Math.sin(angle);
    p.features[2 * i + 1] = r * Math.cos(angle);
    p.labels[i] = arm;
  }
  return p;
}
