import { binEdges, type LayerInfo, type LayerRecord, type Wired } from "@gradtrace/core/vocabulary";

/** Which of a layer's histograms a figure shows: of its activations h or of its pre-activations z. */
export const HISTOGRAMS_OF = ["histogram", "preActivationHistogram"] as const;
export type HistogramOf = (typeof HISTOGRAMS_OF)[number];

/** How figures name each histogram. */
export const HISTOGRAM_OF: Record<HistogramOf, { title: string; value: string; short: string }> = {
  histogram: { title: "Activation histograms", value: "activation h", short: "activations h" },
  preActivationHistogram: { title: "Pre-activation histograms", value: "pre-activation z", short: "pre-activations z" },
};

/** A layer's counts in the chosen histogram; empty where its trace has none (pre-activations in traces from before they were recorded). */
export function countsOf(layer: Wired<LayerRecord> | undefined, of: HistogramOf): number[] {
  return (layer?.[of] ?? []).map(Number);
}

/** A layer's histogram bins in values, from the range and scale its trace recorded (linear for traces from before symlog bins). */
export function layerBinEdges(info: Wired<LayerInfo> | undefined, bins: number, of: HistogramOf = "histogram"): number[] {
  const range = of === "histogram" ? info?.histogramRange : info?.preActivationRange;
  const [low, high] = (range ?? [0, 1]).map(Number) as [number, number];
  return binEdges(bins, [low, high], info?.histogramScale ?? "linear");
}

/** What a chart says about a layer's bins. */
export function binScaleNote(info: Wired<LayerInfo> | undefined): string {
  return info?.histogramScale === "symlog" ? "symlog bins: even near 0, an octave apart beyond" : "even bins";
}

/** White through blue for a share of the largest count, on a log scale so sparse bins still show: the shade of histogram heat strips. */
export function countShade(share: number): string {
  const t = Math.log1p(99 * share) / Math.log(100);
  return `rgb(${Math.round(255 - 244 * t)}, ${Math.round(255 - 156 * t)}, ${Math.round(255 - 58 * t)})`;
}
