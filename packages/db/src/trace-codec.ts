import { LAYER_METRICS, type LayerMetric, type LayerRecord } from "@gradtrace/core";

// TraceEpoch.layerMetrics packs the core's LAYER_METRICS in their order (float32, metric-major).

/**
 * A float32 NaN with a payload of its own marks "undefined for this layer" (a JSON null), so it
 * stays distinct from the NaN of a diverged value, which float32 stores as the canonical 0x7fc00000.
 */
const NULL_BITS = 0x7fc0_0001;

/** Packs every layer's scalar metrics: 11 × layers float32, little-endian. */
export function encodeLayerMetrics(layers: readonly LayerRecord[]): Uint8Array {
  const n = layers.length;
  const view = new DataView(new ArrayBuffer(LAYER_METRICS.length * n * 4));
  LAYER_METRICS.forEach((metric, m) => {
    layers.forEach((layer, l) => {
      const value = layer[metric];
      const at = (m * n + l) * 4;
      if (value === null) view.setUint32(at, NULL_BITS, true);
      else view.setFloat32(at, value, true);
    });
  });
  return new Uint8Array(view.buffer);
}

/** One metric of every layer from packed metrics. */
export function decodeMetric(bytes: Uint8Array, metric: LayerMetric): (number | null)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / 4 / LAYER_METRICS.length;
  const m = LAYER_METRICS.indexOf(metric);
  return Array.from({ length: n }, (_, l) => {
    const at = (m * n + l) * 4;
    return view.getUint32(at, true) === NULL_BITS ? null : view.getFloat32(at, true);
  });
}

/**
 * Packs histograms as unsigned LEB128 varints, bins count first: most bin counts are below 128,
 * so a 30-bin histogram takes ~35 bytes instead of 120.
 */
export function encodeHistograms(histograms: readonly (readonly number[])[]): Uint8Array {
  const out: number[] = [];
  const put = (value: number): void => {
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  };
  put(histograms[0]?.length ?? 0);
  for (const histogram of histograms) for (const count of histogram) put(count);
  return Uint8Array.from(out);
}

/** Unpacks `layers` histograms packed by encodeHistograms. */
export function decodeHistograms(bytes: Uint8Array, layers: number): number[][] {
  let at = 0;
  const next = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  const bins = next();
  return Array.from({ length: layers }, () => Array.from({ length: bins }, next));
}

/** The LayerRecords of one epoch from its packed metrics and histograms. */
export function decodeLayers(layerMetrics: Uint8Array, histograms: Uint8Array): LayerRecord[] {
  const n = layerMetrics.byteLength / 4 / LAYER_METRICS.length;
  const columns = Object.fromEntries(LAYER_METRICS.map((m) => [m, decodeMetric(layerMetrics, m)])) as Record<LayerMetric, (number | null)[]>;
  const counts = decodeHistograms(histograms, n);
  return Array.from({ length: n }, (_, l) => {
    const value = (m: LayerMetric) => columns[m][l]!;
    const number = (m: LayerMetric) => columns[m][l] ?? NaN;
    return {
      gradNorm: number("gradNorm"),
      biasGradNorm: number("biasGradNorm"),
      weightNorm: number("weightNorm"),
      updateRatio: value("updateRatio"),
      preActivationMean: number("preActivationMean"),
      preActivationStd: number("preActivationStd"),
      activationMean: number("activationMean"),
      activationStd: number("activationStd"),
      saturatedFraction: value("saturatedFraction"),
      deadFraction: value("deadFraction"),
      symmetry: number("symmetry"),
      histogram: counts[l]!,
    };
  });
}
