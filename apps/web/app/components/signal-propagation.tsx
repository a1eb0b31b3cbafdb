"use client";
import type { EpochRecord, LayerInfo, Wired } from "@gradtrace/core/vocabulary";
import { binScaleNote, countShade, countsOf, HISTOGRAM_OF, layerBinEdges, type HistogramOf } from "./bins.ts";
import { Figure } from "./charts.tsx";
import { fmt } from "./format.ts";

const [LABEL, WIDTH, ROW, RIGHT] = [64, 420, 16, 90];

/**
 * The textbook figure of signal propagation: every hidden layer's activation (or pre-activation)
 * histogram at one epoch (epoch 0: before any update, what the initialisation alone does), one row
 * per layer, first layer at the top, each row shaded against its own largest bin, with the layer's
 * std beside it. A signal that shrinks with depth narrows row by row onto 0; one that saturates
 * moves to the ends; a healthy one keeps its width.
 */
export function SignalPropagation({
  layers,
  epoch,
  of,
}: {
  layers: readonly Wired<LayerInfo>[] | null;
  epoch: Wired<EpochRecord> | undefined;
  of: HistogramOf;
}) {
  const hidden = (layers ?? []).filter((l) => l.kind === "hidden");
  const records = epoch?.layers.slice(0, hidden.length) ?? [];
  const counts = records.map((l) => countsOf(l, of));
  const bins = counts[0]?.length ?? 0;
  if (bins === 0) return null;
  const edges = layerBinEdges(hidden[0], bins, of);
  const std = (l: (typeof records)[number]) => (of === "histogram" ? l.activationStd : l.preActivationStd);
  const w = WIDTH / bins;
  const height = ROW * records.length + 18;
  const rows = counts.flatMap((layerCounts, layer) => layerCounts.map((count, bin) => ({ layer: layer + 1, from: edges[bin]!, to: edges[bin + 1]!, count })));
  return (
    <>
      <h2>Signal propagation at epoch {Number(epoch?.epoch ?? 0)}</h2>
      <p className="muted">
        Each hidden layer&apos;s {HISTOGRAM_OF[of].value} over the probe samples, one row per layer (darker: more samples, log scale per row;{" "}
        {binScaleNote(hidden[0])}); its std on the right.
      </p>
      <Figure id="signal-propagation" title={`${HISTOGRAM_OF[of].value} by layer (${hidden[0]?.activation ?? ""})`} rows={rows}>
        <svg width={LABEL + WIDTH + RIGHT} height={height} data-testid="signal-propagation" fontSize={10}>
          {records.map((l, layer) => {
            const max = Math.max(1, ...counts[layer]!);
            const y = layer * ROW;
            return (
              <g key={layer} data-layer={layer + 1}>
                <text x={LABEL - 6} y={y + ROW - 4} textAnchor="end" fill="#5b6570">
                  layer {layer + 1}
                </text>
                {counts[layer]!.map((count, bin) =>
                  count === 0 ? null : <rect key={bin} x={LABEL + bin * w} y={y + 1} width={Math.ceil(w)} height={ROW - 2} fill={countShade(count / max)} />,
                )}
                <text x={LABEL + WIDTH + 6} y={y + ROW - 4} fill="#5b6570">
                  std {fmt(std(l))}
                </text>
              </g>
            );
          })}
          <rect x={LABEL} y={0} width={WIDTH} height={ROW * records.length} fill="none" stroke="#d8dee4" />
          {[0, Math.floor(bins / 2), bins].map((k) => (
            <text key={k} x={LABEL + k * w} y={height - 4} textAnchor={k === 0 ? "start" : k === bins ? "end" : "middle"} fill="#5b6570">
              {fmt(edges[k])}
            </text>
          ))}
        </svg>
      </Figure>
    </>
  );
}
