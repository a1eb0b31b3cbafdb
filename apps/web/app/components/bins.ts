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
