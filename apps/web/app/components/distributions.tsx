"use client";
import { useEffect, useRef } from "react";
import type { EpochRecord, LayerInfo, Wired } from "@gradtrace/core/vocabulary";
import { Figure } from "./charts.tsx";
import { binScaleNote, countShade, countsOf, HISTOGRAM_OF, layerBinEdges, type HistogramOf } from "./bins.ts";
import { fmt } from "./format.ts";

const [WIDTH, HEIGHT] = [260, 120];

interface StripProps {
  index: number;
  name: string;
  info: Wired<LayerInfo> | undefined;
  epochs: readonly Wired<EpochRecord>[];
  of: HistogramOf;
}

/** One layer's histograms over the traced epochs as a heat strip: epoch left to right, value bottom to top. */
function Strip({ index, name, info, epochs, of }: StripProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const columns = epochs.map((e) => countsOf(e.layers[index], of));
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    context.fillStyle = "white";
    context.fillRect(0, 0, WIDTH, HEIGHT);
    const bins = Math.max(1, ...columns.map((c) => c.length));
    const w = WIDTH / Math.max(1, columns.length);
    const h = HEIGHT / bins;
    columns.forEach((counts, x) => {
      const max = Math.max(1, ...counts);
      counts.forEach((count, b) => {
        if (count === 0) return;
        context.fillStyle = countShade(count / max);
        context.fillRect(x * w, HEIGHT - (b + 1) * h, Math.ceil(w), Math.ceil(h));
      });
    });
  });
  const edges = layerBinEdges(info, Math.max(1, ...columns.map((c) => c.length)), of);
  const rows = epochs.flatMap((e, x) => columns[x]!.map((count, bin) => ({ epoch: Number(e.epoch), bin, count })));
  return (
    <Figure id={`distribution-${index}`} title={`${name} (${info?.activation ?? ""}), ${HISTOGRAM_OF[of].value}`} rows={rows} canvas>
      <div style={{ display: "flex", gap: 4, fontSize: "0.7rem" }} className="muted">
        <div style={{ display: "flex", flexDirection: "column", justifyContent: "space-between", textAlign: "right", width: 34 }}>
          <span>{fmt(edges.at(-1))}</span>
          <span>{fmt(edges[Math.floor(edges.length / 2)])}</span>
          <span>{fmt(edges[0])}</span>
        </div>
        <div>
          <canvas ref={canvas} width={WIDTH} height={HEIGHT} style={{ border: "1px solid #ddd", display: "block" }} />
          <div style={{ display: "flex", justifyContent: "space-between" }}>
            <span>epoch {Number(epochs[0]?.epoch ?? 0)}</span>
            <span>{Number(epochs.at(-1)?.epoch ?? 0)}</span>
          </div>
        </div>
      </div>
    </Figure>
  );
}

/**
 * Distributions over training, TensorBoard-style but per layer side by side: each layer's
 * activation (or pre-activation) histogram at every traced epoch shown (the page's thinned epochs),
 * so a layer that saturates (mass moving to the ends) or dies (mass collapsing onto 0) stands out.
 */
export function Distributions({ layers, epochs, of }: { layers: readonly Wired<LayerInfo>[] | null; epochs: readonly Wired<EpochRecord>[]; of: HistogramOf }) {
  const names = (layers ?? []).map((l) => (l.kind === "output" ? "output" : `layer ${Number(l.index) + 1}`));
  return (
    <>
      <h2>Distributions over training</h2>
      <p className="muted">
        {HISTOGRAM_OF[of].title} of every layer over the epochs shown (darker: more of the probe samples, log scale per epoch; on the left the values at the
        top, middle and bottom bin edges — {binScaleNote(layers?.[0])}).
      </p>
      <div className="row" data-testid="distributions">
        {names.map((name, i) => (
          <Strip key={i} index={i} name={name} info={layers?.[i]} epochs={epochs} of={of} />
        ))}
      </div>
    </>
  );
}
