import type { GridMetric } from "@gradtrace/db";

/**
 * How the heatmap shows each grid metric: its title, which end is good, and a fixed colour
 * scale. Scales never stretch to the values on screen, so a colour means the same value in
 * every cell, slice and sweep: accuracy on [chance, 1], losses on [0, the loss of guessing
 * (ln classes)], dead and saturated fractions on [0, 100%], and the log10 gradient ratio on a
 * diverging scale centred on 0 (ratio 1: the first layer gets the output's gradient), vanishing
 * at one end and exploding at the other, clamped beyond ±5 decades.
 */
export interface MetricScale {
  /** The ends of the scale, in the metric's unit; values beyond are clamped (the legend says ≤ / ≥). */
  domain: readonly [number, number];
  /** Whether the scale runs from bad to good (sequential) or from one failure to another through health (diverging). */
  kind: "sequential" | "diverging";
  /** Colour stops from the low end of the domain to the high end. */
  stops: readonly string[];
  /** Labelled points of the legend. */
  ticks: ReadonlyArray<{ value: number; label: string }>;
  /** What the ends mean, for the legend's caption. */
  caption: string;
}

/** ColorBrewer YlGnBu (sequential; readable by the colour-blind): pale is bad, dark is good. */
const GOOD_IS_DARK = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"];
/** ColorBrewer RdBu (diverging), blue for vanishing through white for healthy to red for exploding. */
const VANISHING_TO_EXPLODING = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"];
const GOOD_IS_LIGHT = [...GOOD_IS_DARK].reverse();

/** Decades of gradient ratio each side of 1 that the diverging scale spans. */
const RATIO_DECADES = 5;

/** The heatmap's metrics: what each is called, and its scale for a task of `classes` classes (2 when not known yet). */
export const GRID_METRIC_TITLES = {
  valLoss: "final val. loss",
  valAccuracy: "final val. accuracy",
  trainLoss: "final train loss",
  log10GradientRatio: "log10 first/last-layer gradient ratio",
  deadFraction: "dead units %",
  saturatedFraction: "saturated units %",
} as const satisfies Record<GridMetric, string>;

/** The heatmap's metrics, in the order its menu lists them. */
export const HEATMAP_METRICS = Object.keys(GRID_METRIC_TITLES) as GridMetric[];

/** Values as the heatmap shows them: fractions as percentages, the rest as they are. */
export function shownValue(metric: GridMetric, value: number): number {
  return metric === "deadFraction" || metric === "saturatedFraction" ? 100 * value : value;
}

const fixed = (v: number) => Number(v.toPrecision(3)).toString();

/** The fixed colour scale of a metric (in the unit the heatmap shows it in). */
export function metricScale(metric: GridMetric, classes: number | null): MetricScale {
  const k = classes !== null && classes >= 2 ? classes : 2;
  switch (metric) {
    case "valAccuracy":
      return {
        domain: [1 / k, 1],
        kind: "sequential",
        stops: GOOD_IS_DARK,
        ticks: [
          { value: 1 / k, label: `≤ ${fixed(1 / k)} (chance)` },
          { value: (1 / k + 1) / 2, label: fixed((1 / k + 1) / 2) },
          { value: 1, label: "1" },
        ],
        caption: `accuracy from chance (1/${k} classes) to perfect`,
      };
    case "valLoss":
    case "trainLoss": {
      const guess = Math.log(k);
      return {
        domain: [0, guess],
        kind: "sequential",
        stops: GOOD_IS_LIGHT,
        ticks: [
          { value: 0, label: "0" },
          { value: guess / 2, label: fixed(guess / 2) },
          { value: guess, label: `≥ ${fixed(guess)} (guessing: ln ${k})` },
        ],
        caption: `cross-entropy from perfect (0) to no better than guessing (ln ${k} = ${fixed(guess)})`,
      };
    }
    case "log10GradientRatio":
      return {
        domain: [-RATIO_DECADES, RATIO_DECADES],
        kind: "diverging",
        stops: VANISHING_TO_EXPLODING,
        ticks: [
          { value: -RATIO_DECADES, label: `≤ −${RATIO_DECADES} vanishing` },
          { value: -RATIO_DECADES / 2, label: `−${RATIO_DECADES / 2}` },
          { value: 0, label: "0 (ratio 1: healthy)" },
          { value: RATIO_DECADES / 2, label: `+${RATIO_DECADES / 2}` },
          { value: RATIO_DECADES, label: `≥ +${RATIO_DECADES} exploding` },
        ],
        caption: "log10 of the first hidden layer's gradient norm over the output layer's",
      };
    case "deadFraction":
    case "saturatedFraction":
      return {
        domain: [0, 100],
        kind: "sequential",
        stops: GOOD_IS_LIGHT,
        ticks: [
          { value: 0, label: "0%" },
          { value: 50, label: "50%" },
          { value: 100, label: "100%" },
        ],
        caption: `${metric === "deadFraction" ? "dead" : "saturated"} units of the hidden layers, none to all`,
      };
  }
}

/** Where a value lies on its scale, from 0 (low end) to 1 (high end), clamped; −∞ and +∞ go to the ends. */
export function scalePosition(scale: MetricScale, value: number): number {
  const [lo, hi] = scale.domain;
  return Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** A value's colour on its scale (linear between the stops), as #rrggbb. NaN has none: null. */
export function scaleColour(scale: MetricScale, value: number): string | null {
  if (Number.isNaN(value)) return null;
  const t = scalePosition(scale, value) * (scale.stops.length - 1);
  const i = Math.min(scale.stops.length - 2, Math.floor(t));
  const [a, b] = [rgb(scale.stops[i]!), rgb(scale.stops[i + 1]!)];
  return `#${a
    .map((c, j) =>
      Math.round(c + (b[j]! - c) * (t - i))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** Black or white, whichever reads better on a background (by its relative luminance). */
export function inkOn(background: string): "#000" | "#fff" {
  const [r, g, b] = rgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 ? "#000" : "#fff";
}

/** The CSS gradient that draws a scale's legend bar, low end on the left. */
export function legendGradient(scale: MetricScale): string {
  return `linear-gradient(to right, ${scale.stops.map((c, i) => `${c} ${((100 * i) / (scale.stops.length - 1)).toFixed(1)}%`).join(", ")})`;
}
