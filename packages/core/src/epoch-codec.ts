import { LIMITS } from "./limits.ts";
import { EPOCH_SCALARS, LAYER_METRICS, type EpochRecord, type EpochScalar, type LayerMetric, type LayerRecord } from "./trace.ts";

// One packing of traced epochs for the wire and the database: per-layer metrics as float32
// (LAYER_METRICS in their order, metric-major: TraceEpoch.layerMetrics) and histograms as varints
// (TraceEpoch.histograms: every layer's activation histogram, then every layer's pre-activation
// histogram where the trace has them). The recorder stores what workers packed without unpacking it.

/**
 * A float32 NaN with a payload of its own marks "undefined for this layer" (a JSON null), so it
 * stays distinct from the NaN of a diverged value, which float32 stores as the canonical 0x7fc00000.
 */
const NULL_BITS = 0x7fc0_0001;
/** The float64 counterpart for the nullable epoch scalars (its high word, then its low word). */
const NULL_HIGH = 0x7ff8_0000;
const NULL_LOW = 0x0000_0001;

/** Metrics that may be null (undefined for a layer or an epoch); the others may not. */
const NULLABLE_LAYER_METRICS: ReadonlySet<LayerMetric> = new Set(["updateRatio", "saturatedFraction", "deadFraction"]);
/** Indices into LAYER_METRICS of the metrics that may not be null. */
const REQUIRED_METRICS = LAYER_METRICS.flatMap((metric, m) => (NULLABLE_LAYER_METRICS.has(metric) ? [] : [m]));
const NULLABLE_SCALARS: ReadonlySet<EpochScalar> = new Set(["valLoss", "valAccuracy"]);

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
  // Plain loops, not Array.from with a callback: a 5,000-epoch run's chart read decodes ~55,000 of these.
  const values = new Array<number | null>(n);
  for (let l = 0, at = m * n * 4; l < n; l++, at += 4) values[l] = view.getUint32(at, true) === NULL_BITS ? null : view.getFloat32(at, true);
  return values;
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

/** Unpacks the histograms packed by encodeHistograms. */
export function decodeHistograms(bytes: Uint8Array): number[][] {
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
  const histograms: number[][] = [];
  while (bins > 0 && at < bytes.byteLength) {
    const counts = new Array<number>(bins);
    for (let b = 0; b < bins; b++) counts[b] = next();
    histograms.push(counts);
  }
  return histograms;
}

/** The histograms of an epoch's layers in the order they are packed: activations, then pre-activations where recorded. */
function layerHistograms(layers: readonly LayerRecord[]): (readonly number[])[] {
  const h = layers.map((l) => l.histogram);
  return layers.every((l) => l.preActivationHistogram) ? [...h, ...layers.map((l) => l.preActivationHistogram!)] : h;
}

/** The LayerRecords of one epoch from its packed metrics and histograms. */
export function decodeLayers(layerMetrics: Uint8Array, histograms: Uint8Array): LayerRecord[] {
  const n = layerMetrics.byteLength / 4 / LAYER_METRICS.length;
  const columns = Object.fromEntries(LAYER_METRICS.map((m) => [m, decodeMetric(layerMetrics, m)])) as Record<LayerMetric, (number | null)[]>;
  const counts = decodeHistograms(histograms);
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
      preActivationHistogram: counts[n + l] ?? null,
    };
  });
}

/** One traced epoch as it travels and is stored: its scalars as numbers, its layers packed. */
export type PackedEpoch = Pick<EpochRecord, "epoch" | EpochScalar> & {
  /** encodeLayerMetrics of its layers. */
  layerMetrics: Uint8Array;
  /** encodeHistograms of its layers' histograms. */
  histograms: Uint8Array;
};

/** Packs one traced epoch. */
export function packEpoch(record: EpochRecord): PackedEpoch {
  return {
    epoch: record.epoch,
    trainLoss: record.trainLoss,
    trainAccuracy: record.trainAccuracy,
    valLoss: record.valLoss,
    valAccuracy: record.valAccuracy,
    outputStd: record.outputStd,
    layerMetrics: encodeLayerMetrics(record.layers),
    histograms: encodeHistograms(layerHistograms(record.layers)),
  };
}

/** How many layers a packed epoch holds. */
export function packedLayerCount(packed: PackedEpoch): number {
  return packed.layerMetrics.byteLength / 4 / LAYER_METRICS.length;
}

/** The EpochRecord a packed epoch holds (layer metrics at float32 precision). */
export function unpackEpoch(packed: PackedEpoch): EpochRecord {
  const { layerMetrics, histograms, ...scalars } = packed;
  return { ...scalars, layers: decodeLayers(layerMetrics, histograms) };
}

/**
 * The version of the chunk layout encodeEpochChunk writes (its first byte): 2 carries pre-activation
 * histograms after the activation ones; decodeEpochChunk also reads version 1, which has none.
 */
export const EPOCH_CHUNK_VERSION = 2;
const HEADER_BYTES = 8;
const RECORD_FIXED_BYTES = 4 + 8 * EPOCH_SCALARS.length;

/** A chunk of packed epochs that cannot be read: what is wrong, and where. */
export class EpochCodecError extends Error {
  override name = "EpochCodecError";
}

/**
 * Packs a chunk of one run's traced epochs (all with the same layers) into one buffer, little-endian:
 * a header (u8 version, u8 0, u16 layers, u32 epochs), then per epoch its u32 number, its scalars
 * as float64 (null as a NaN with a payload of its own), its layer metrics (11 × layers float32)
 * and its histograms (u32 byte length, then the varints: activations, then pre-activations). Every
 * epoch must carry pre-activation histograms.
 */
export function encodeEpochChunk(epochs: readonly PackedEpoch[]): Uint8Array {
  const layers = epochs[0] ? epochs[0].layerMetrics.byteLength / 4 / LAYER_METRICS.length : 0;
  let size = HEADER_BYTES;
  for (const e of epochs) size += RECORD_FIXED_BYTES + e.layerMetrics.byteLength + 4 + e.histograms.byteLength;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, EPOCH_CHUNK_VERSION);
  view.setUint16(2, layers, true);
  view.setUint32(4, epochs.length, true);
  let at = HEADER_BYTES;
  for (const e of epochs) {
    if (e.layerMetrics.byteLength !== layers * 4 * LAYER_METRICS.length)
      throw new EpochCodecError(`epoch ${e.epoch} has another number of layers than epoch ${epochs[0]!.epoch}`);
    checkHistograms(e.histograms, 2 * layers, e.epoch, (what) => {
      throw new EpochCodecError(`epochs to pack: ${what} (an activation and a pre-activation histogram per layer)`);
    });
    view.setUint32(at, e.epoch, true);
    at += 4;
    for (const key of EPOCH_SCALARS) {
      const value = e[key];
      if (value === null) {
        view.setUint32(at, NULL_LOW, true);
        view.setUint32(at + 4, NULL_HIGH, true);
      } else view.setFloat64(at, value, true);
      at += 8;
    }
    bytes.set(e.layerMetrics, at);
    at += e.layerMetrics.byteLength;
    view.setUint32(at, e.histograms.byteLength, true);
    bytes.set(e.histograms, at + 4);
    at += 4 + e.histograms.byteLength;
  }
  return bytes;
}

/**
 * Reads a chunk written by encodeEpochChunk, checking everything a reader of the stored trace
 * relies on: the version, lengths, epoch numbers in increasing order, null only where a value may
 * be undefined, and histograms that decode to the same number of bins (≤ LIMITS.maxHistogramBins)
 * for every layer. The packed layers are views into `bytes`, not copies.
 */
export function decodeEpochChunk(bytes: Uint8Array): PackedEpoch[] {
  const fail = (what: string): never => {
    throw new EpochCodecError(`packed epochs: ${what}`);
  };
  if (bytes.byteLength < HEADER_BYTES) fail(`${bytes.byteLength} bytes are too few for the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== 1 && version !== EPOCH_CHUNK_VERSION) fail(`version ${version} is not supported; this code reads versions 1 and ${EPOCH_CHUNK_VERSION}`);
  // Version 1 has activation histograms only.
  const histogramsPerLayer = version === 1 ? 1 : 2;
  const layers = view.getUint16(2, true);
  const count = view.getUint32(4, true);
  if (layers < 2 || layers > LIMITS.maxDepth + 1) fail(`${layers} layers; a network has 2 to ${LIMITS.maxDepth + 1}`);
  if (count < 1) fail("no epochs; a chunk holds at least one");
  const metricBytes = layers * 4 * LAYER_METRICS.length;
  const epochs: PackedEpoch[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + RECORD_FIXED_BYTES + metricBytes + 4 > bytes.byteLength) fail(`epoch ${i + 1} of ${count} is cut off at byte ${bytes.byteLength}`);
    const epoch = view.getUint32(at, true);
    const previous = epochs[i - 1]?.epoch;
    if (previous !== undefined && epoch <= previous) fail(`epoch ${epoch} follows epoch ${previous}; epochs must increase`);
    const scalarsAt = at + 4;
    for (let k = 0; k < EPOCH_SCALARS.length; k++) {
      const from = scalarsAt + 8 * k;
      if (view.getUint32(from, true) === NULL_LOW && view.getUint32(from + 4, true) === NULL_HIGH && !NULLABLE_SCALARS.has(EPOCH_SCALARS[k]!)) {
        fail(`epoch ${epoch}: ${EPOCH_SCALARS[k]} is null; it must be a number`);
      }
    }
    at += RECORD_FIXED_BYTES;
    const layerMetrics = new Uint8Array(bytes.buffer, bytes.byteOffset + at, metricBytes);
    for (const m of REQUIRED_METRICS) {
      for (let l = 0; l < layers; l++) {
        if (view.getUint32(at + (m * layers + l) * 4, true) === NULL_BITS)
          fail(`epoch ${epoch}: ${LAYER_METRICS[m]} of layer ${l} is null; it must be a number`);
      }
    }
    at += metricBytes;
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.byteLength) fail(`epoch ${epoch}: its ${length} bytes of histograms run past the end`);
    const histograms = new Uint8Array(bytes.buffer, bytes.byteOffset + at, length);
    checkHistograms(histograms, histogramsPerLayer * layers, epoch, fail);
    at += length;
    // In EPOCH_SCALARS' order.
    epochs.push({
      epoch,
      trainLoss: readScalar(view, scalarsAt)!,
      trainAccuracy: readScalar(view, scalarsAt + 8)!,
      valLoss: readScalar(view, scalarsAt + 16),
      valAccuracy: readScalar(view, scalarsAt + 24),
      outputStd: readScalar(view, scalarsAt + 32)!,
      layerMetrics,
      histograms,
    });
  }
  if (at !== bytes.byteLength) fail(`${bytes.byteLength - at} bytes follow the last epoch`);
  return epochs;
}

/** The float64 at `at`, or null for the null marker. */
function readScalar(view: DataView, at: number): number | null {
  return view.getUint32(at, true) === NULL_LOW && view.getUint32(at + 4, true) === NULL_HIGH ? null : view.getFloat64(at, true);
}

/**
 * Checks, without building them, that `bytes` hold `histograms` histograms as encodeHistograms
 * writes them: a bin count, then histograms × bins counts, each a varint of at most 8 bytes (a byte below
 * 0x80 ends one, so counting those counts the values).
 */
function checkHistograms(bytes: Uint8Array, histograms: number, epoch: number, fail: (what: string) => never): void {
  let bins = 0;
  let at = 0;
  for (let scale = 1; ; scale *= 0x80) {
    if (at >= bytes.byteLength || scale > 2 ** 21) fail(`epoch ${epoch}: its histograms do not begin with a bin count`);
    const byte = bytes[at++]!;
    bins += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
  }
  if (bins > LIMITS.maxHistogramBins) fail(`epoch ${epoch}: ${bins} histogram bins; at most ${LIMITS.maxHistogramBins} are allowed`);
  let counts = 0;
  let run = 0;
  for (; at < bytes.byteLength; at++) {
    if (bytes[at]! < 0x80) {
      counts++;
      run = 0;
    } else if (++run === 8) fail(`epoch ${epoch}: a histogram count runs over 8 bytes`);
  }
  if (run > 0) fail(`epoch ${epoch}: its histograms end inside a count`);
  if (counts !== histograms * bins) fail(`epoch ${epoch}: ${counts} histogram counts; ${histograms} histograms × ${bins} bins need ${histograms * bins}`);
}
