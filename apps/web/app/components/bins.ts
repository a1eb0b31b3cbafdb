import { binEdges, type LayerInfo, type Wired } from "@gradtrace/core/vocabulary";

/** A layer's histogram bins in activation values, from the range and scale its trace recorded (linear for traces from before symlog bins). */
export function layerBinEdges(info: Wired<LayerInfo> | undefined, bins: number): number[] {
  const [low, high] = (info?.histogramRange ?? [0, 1]).map(Number) as [number, number];
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
