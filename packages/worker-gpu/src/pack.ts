import {
  batchRows,
  createActivation,
  initialiseParameters,
  isTracedEpoch,
  layerInfos,
  layerRecord,
  LayerStats,
  makeDataset,
  planNetwork,
  Random,
  summarize,
  symmetry,
  SYMMETRY_TOLERANCE,
  type Activation,
  type Dataset,
  type EpochRecord,
  type LayerBuffers,
  type LayerInfo,
  type RunSpec,
  type TraceSummary,
} from "@gradtrace/core";
import type { TrainSink } from "@gradtrace/queue";
import type { Gpu } from "./device.ts";
import { KERNELS, LAYER_FIELDS, NET_FIELDS, NET_U32_FIELDS, PACK_F32_FIELDS, PACK_FIELDS, PER_THREAD, STAT_SLOTS, STEP_FIELDS, TRAIN_SLOTS, WORKGROUP } from "./kernels.wgsl.ts";

/** One run prepared for a pack: its data, activation, layers and the shape that packs share. */
export interface PackMember {
  spec: RunSpec;
  sink: TrainSink;
  signal: AbortSignal;
  /** The spec's dataset, when the caller generated it already (to find the run's pack). */
  data?: Dataset;
}

interface Prepared extends PackMember {
  data: Dataset;
  activation: Activation;
  layers: LayerInfo[];
}

const OPTIMIZER_CODES = { sgd: 0, momentum: 1, nesterov: 2, adam: 3 } as const;
const STATE = { training: 0, finished: 1, diverged: 2 } as const;

/**
 * What runs must share to train in one pack: everything that fixes buffer sizes and the epoch
 * schedule (split sizes, features, classes, widths, batch, epochs, tracing). Activations,
 * initializers, optimizers, learning rates, datasets and seeds may differ.
 */
export function packKey(spec: RunSpec, data: Dataset): string {
  const { training, tracing, model } = spec;
  const evalN = data.validation.n > 0 ? data.validation.n : data.train.n;
  return JSON.stringify([
    data.train.n, data.validation.n, data.dims, data.classes, model.hidden, batchRows(spec, data.train.n), training.epochs, training.shuffle,
    tracing.every, tracing.histogramBins, tracing.histogramRange ?? null, Math.min(tracing.probeSamples, evalN),
  ]);
}

/** Where everything of one net lives in the pack's buffers (element offsets), shared by all nets. */
interface Layout {
  nets: number;
  block: number;
  layers: LayerBuffers[];
  rows: number;
  batch: number;
  trainN: number;
  evalN: number;
  hasValidation: boolean;
  probe: number;
  dims: number;
  classes: number;
  bins: number;
  /** Per-net strides of acts, data, ints. */
  acts: number;
  data: number;
  ints: number;
  at: Record<"x" | "d0" | "d1" | "rowLoss" | "rowCorrect", number> & { z: number[]; h: number[] };
  hiddenUnits: number;
  liveAt: number[];
  /** Global regions: ints (state, histograms, live units) and accumulators. */
  stateAt: number;
  histAt: number;
  liveBase: number;
  intsSize: number;
  aGrad: number;
  aVal: number;
  aStats: number;
  aUnits: number;
  aNorms: number;
  aPairs: number;
  accSize: number;
}

function planPack(spec: RunSpec, data: Dataset, nets: number): Layout {
  const trainN = data.train.n;
  const hasValidation = data.validation.n > 0;
  const evalN = hasValidation ? data.validation.n : trainN;
  const batch = batchRows(spec, trainN);
  // The evaluation pass runs in chunks of a minibatch (the statistics do not depend on chunking),
  // so activations take a minibatch of rows per net, not the core's 256-row probe chunk.
  const rows = batch;
  const plan = planNetwork({ dims: data.dims, hidden: spec.model.hidden, classes: data.classes, rows });
  const L = plan.layers.length;
  const maxW = Math.max(data.dims, ...spec.model.hidden, data.classes);
  let a = 0;
  const take = (n: number) => ((a += n), a - n);
  const x = take(rows * data.dims);
  const z: number[] = [];
  const h: number[] = [];
  for (const l of plan.layers) {
    z.push(take(rows * l.nout));
    h.push(take(rows * l.nout));
  }
  const at = { x, z, h, d0: take(rows * maxW), d1: take(rows * maxW), rowLoss: take(rows), rowCorrect: take(rows) };
  const hiddenUnits = spec.model.hidden.reduce((s, w) => s + w, 0);
  const liveAt = spec.model.hidden.map((_, i) => spec.model.hidden.slice(0, i).reduce((s, w) => s + w, 0));
  const ints = rows + 2 * trainN + evalN;
  const bins = spec.tracing.histogramBins;
  const stateAt = nets * ints;
  const histAt = stateAt + nets;
  const liveBase = histAt + nets * L * bins;
  const aGrad = TRAIN_SLOTS * nets;
  const aVal = aGrad + nets * (2 * L + 1);
  const aStats = aVal + 2 * nets;
  const aUnits = aStats + STAT_SLOTS * nets * L;
  const aNorms = aUnits + 3 * nets * data.classes;
  const aPairs = aNorms + 3 * nets * L;
  return {
    nets,
    block: plan.blockSize,
    layers: plan.layers,
    rows,
    batch,
    trainN,
    evalN,
    hasValidation,
    probe: Math.min(spec.tracing.probeSamples, evalN),
    dims: data.dims,
    classes: data.classes,
    bins,
    acts: a,
    data: (trainN + evalN) * data.dims,
    ints,
    at,
    hiddenUnits,
    liveAt,
    stateAt,
    histAt,
    liveBase,
    intsSize: liveBase + nets * hiddenUnits,
    aGrad,
    aVal,
    aStats,
    aUnits,
    aNorms,
    aPairs,
    accSize: aPairs + nets * L,
  };
}

/** Bytes per net of the largest buffer of a pack of runs shaped like `spec`: what bounds a pack's size. */
export function bytesPerNet(spec: RunSpec, data: Dataset): number {
  const one = planPack(spec, data, 1);
  return 4 * Math.max(3 * one.block, one.acts, one.data, one.ints + one.layers.length * one.bins + one.hiddenUnits + 1);
}

/** Packs fields into a uniform's bytes: u32 unless `f32` says otherwise. */
function fields(names: readonly string[], values: Record<string, number>, f32: (name: string) => boolean = () => false): ArrayBuffer {
  const buffer = new ArrayBuffer(names.length * 4);
  const u = new Uint32Array(buffer);
  const f = new Float32Array(buffer);
  names.forEach((name, i) => {
    const v = values[name] ?? 0;
    if (f32(name)) f[i] = v;
    else u[i] = v;
  });
  return buffer;
}

const KERNEL_NAMES = ["gather", "forward", "softmax_loss", "reduce_rows", "backward_params", "backward_input", "grad_norms", "optimize", "observe", "norms", "pairs"] as const;
type KernelName = (typeof KERNEL_NAMES)[number];
/** Selects a kernel (and the layer its uniforms describe) for the next dispatch. */
type Use = (name: KernelName, layer?: number) => void;

/** The compiled kernels of one device, shared by every pack on it. */
export class PackKernels {
  readonly group0: GPUBindGroupLayout;
  readonly group1: GPUBindGroupLayout;
  readonly pipelines: Record<KernelName, GPUComputePipeline>;

  /** Compiles the kernels; a shader the device refuses is an error with the compiler's messages. */
  static async create(device: GPUDevice): Promise<PackKernels> {
    device.pushErrorScope("validation");
    const kernels = new PackKernels(device);
    const error = await device.popErrorScope();
    if (error) throw new Error(`the GPU kernels did not compile: ${error.message}`);
    return kernels;
  }

  private constructor(readonly device: GPUDevice) {
    const storage = (binding: number, readOnly: boolean): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: readOnly ? "read-only-storage" : "storage" } });
    const uniform = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } });
    this.group0 = device.createBindGroupLayout({
      entries: [uniform(0), uniform(1), storage(2, true), storage(3, false), storage(4, false), storage(5, false), storage(6, true), storage(7, false), storage(8, false), storage(9, true)],
    });
    this.group1 = device.createBindGroupLayout({ entries: [uniform(0)] });
    const layout = device.createPipelineLayout({ bindGroupLayouts: [this.group0, this.group1] });
    const module = device.createShaderModule({ code: KERNELS });
    this.pipelines = Object.fromEntries(KERNEL_NAMES.map((entryPoint) => [entryPoint, device.createComputePipeline({ layout, compute: { module, entryPoint } })])) as PackKernels["pipelines"];
  }
}

/** How a net of the pack stands. */
interface NetState {
  member: Prepared;
  order: Uint32Array;
  shuffle: Random;
  records: EpochRecord[];
  done: boolean;
  outcome?: TraceSummary | Error;
}

/**
 * Trains runs of one shape together on the GPU — every minibatch one dispatch per layer operation
 * for the whole pack — and streams each run's traced epochs to its sink, as the core's Run does
 * for one. Initial weights, data and shuffles come from the core's seeded code; per-layer
 * statistics are reduced on the GPU and read back only at traced epochs (and at a divergence).
 * Resolves, per member in order, to its summary or to why it stopped (an abort's reason).
 */
export async function trainPack(gpu: Gpu, kernels: PackKernels, members: readonly PackMember[]): Promise<Array<TraceSummary | Error>> {
  const prepared = members.map((m): Prepared => {
    const data = m.data ?? makeDataset(m.spec.dataset);
    const activation = createActivation(m.spec.model.activation);
    return { ...m, data, activation, layers: [] };
  });
  const P = prepared.length;
  const lay = planPack(prepared[0]!.spec, prepared[0]!.data, P);
  for (const m of prepared) {
    m.layers = layerInfos(m.spec, lay.layers, m.activation);
    if (packKey(m.spec, m.data) !== packKey(prepared[0]!.spec, prepared[0]!.data)) throw new Error("a pack's runs must share their shape (see packKey)");
  }
  const { device } = gpu;
  const need = P * bytesPerNet(prepared[0]!.spec, prepared[0]!.data);
  if (need > device.limits.maxStorageBufferBindingSize) {
    throw new RangeError(`a pack of ${P} runs of this shape needs ${need} bytes in one GPU buffer; this device binds at most ${device.limits.maxStorageBufferBindingSize}: pack fewer`);
  }
  const L = lay.layers.length;
  const spec0 = prepared[0]!.spec;
  const epochs = spec0.training.epochs;
  const every = spec0.tracing.every;

  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  // WebGPU reports a buffer it could not make asynchronously, not by throwing: catch it here.
  device.pushErrorScope("out-of-memory");
  const buffers: GPUBuffer[] = [];
  const buffer = (elements: number, use = usage) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil((elements * 4) / 16) * 16), usage: use });
    buffers.push(b);
    return b;
  };
  const packBuf = buffer(PACK_FIELDS.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const stepBuf = buffer(STEP_FIELDS.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const netsBuf = buffer(P * NET_FIELDS.length);
  const params = buffer(P * lay.block);
  const opt = buffer(3 * P * lay.block);
  const acts = buffer(P * lay.acts);
  const dataBuf = buffer(P * lay.data);
  const ints = buffer(lay.intsSize);
  const acc = buffer(lay.accSize);
  const w0 = buffer(P * lay.block);
  try {
    const refused = await device.popErrorScope();
    if (refused) throw new Error(`the GPU could not hold a pack of ${P} runs of this shape (${need} bytes in its largest buffer): ${refused.message}`);
    const outLo = spec0.tracing.histogramRange?.[0] ?? 0;
    const outHi = spec0.tracing.histogramRange?.[1] ?? 1;
    device.queue.writeBuffer(
      packBuf,
      0,
      fields(
        PACK_FIELDS,
        {
          nets: P, block: lay.block, acts: lay.acts, rows: lay.rows, dims: lay.dims, classes: lay.classes, layers: L, bins: lay.bins,
          trainN: lay.trainN, evalN: lay.evalN, hiddenUnits: lay.hiddenUnits, dataStride: lay.data, intStride: lay.ints,
          stateAt: lay.stateAt, histAt: lay.histAt, liveAt: lay.liveBase, aGrad: lay.aGrad, aVal: lay.aVal, aStats: lay.aStats,
          aUnits: lay.aUnits, aNorms: lay.aNorms, rowLoss: lay.at.rowLoss, rowCorrect: lay.at.rowCorrect, aPairs: lay.aPairs,
          symmetryTolerance: SYMMETRY_TOLERANCE, outLo, outScale: lay.bins / (outHi - outLo),
        },
        (f) => PACK_F32_FIELDS.has(f),
      ),
    );
    const layerGroups = lay.layers.map((l, i) => {
      const b = buffer(LAYER_FIELDS.length, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      const hidden = i < L - 1;
      device.queue.writeBuffer(
        b,
        0,
        fields(LAYER_FIELDS, {
          index: i, nin: l.nin, nout: l.nout, wt: l.wt, b: l.b, x: i === 0 ? lay.at.x : lay.at.h[i - 1]!, z: lay.at.z[i]!, h: lay.at.h[i]!,
          dz: (L - 1 - i) % 2 === 0 ? lay.at.d0 : lay.at.d1, dx: (L - i) % 2 === 0 ? lay.at.d0 : lay.at.d1, hidden: hidden ? 1 : 0,
          live: hidden ? lay.liveAt[i]! : 0, prevZ: i > 0 ? lay.at.z[i - 1]! : 0,
        }),
      );
      return device.createBindGroup({ layout: kernels.group1, entries: [{ binding: 0, resource: { buffer: b } }] });
    });
    const group0 = device.createBindGroup({
      layout: kernels.group0,
      entries: [packBuf, stepBuf, netsBuf, params, opt, acts, dataBuf, ints, acc, w0].map((b, binding) => ({ binding, resource: { buffer: b } })),
    });

    // Per-net constants, initial parameters, data and labels, all from the core's code.
    const netWords = new ArrayBuffer(P * NET_FIELDS.length * 4);
    const block = new Float32Array(P * lay.block);
    const dataF = new Float32Array(P * lay.data);
    const intsInit = new Uint32Array(lay.stateAt);
    prepared.forEach((m, p) => {
      const o = m.spec.training.optimizer;
      const range = m.layers[0]!.histogramRange;
      const sat = m.activation.saturation;
      const values: Record<string, number> = {
        act: m.activation.code, alpha: m.activation.alpha, opt: OPTIMIZER_CODES[o.name], lr: o.lr,
        mu: "momentum" in o ? o.momentum : 0, b1: "beta1" in o ? o.beta1 : 0, b2: "beta2" in o ? o.beta2 : 0, eps: "epsilon" in o ? o.epsilon : 0,
        lo: range[0], scale: lay.bins / (range[1] - range[0]), satLo: sat?.[0] ?? 0, satHi: sat?.[1] ?? 0, sat: sat ? 1 : 0,
      };
      new Uint8Array(netWords, p * NET_FIELDS.length * 4).set(new Uint8Array(fields(NET_FIELDS, values, (f) => !NET_U32_FIELDS.has(f))));
      initialiseParameters(m.spec, lay.layers, block.subarray(p * lay.block, (p + 1) * lay.block));
      const evalSet = lay.hasValidation ? m.data.validation : m.data.train;
      dataF.set(m.data.train.x, p * lay.data);
      dataF.set(evalSet.x, p * lay.data + lay.trainN * lay.dims);
      const ib = p * lay.ints;
      for (let i = 0; i < lay.trainN; i++) intsInit[ib + lay.rows + i] = i;
      intsInit.set(m.data.train.y, ib + lay.rows + lay.trainN);
      intsInit.set(evalSet.y, ib + lay.rows + 2 * lay.trainN);
    });
    device.queue.writeBuffer(netsBuf, 0, netWords);
    device.queue.writeBuffer(params, 0, block);
    device.queue.writeBuffer(dataBuf, 0, dataF);
    device.queue.writeBuffer(ints, 0, intsInit);

    const nets: NetState[] = prepared.map((member) => {
      const order = new Uint32Array(lay.trainN);
      for (let i = 0; i < order.length; i++) order[i] = i;
      return { member, order, shuffle: new Random(member.spec.training.seed, "shuffle"), records: [], done: false };
    });
    await Promise.all(nets.map((n) => n.member.sink.layers(n.member.layers)));

    const stepWords = (values: Record<string, number>) => device.queue.writeBuffer(stepBuf, 0, fields(STEP_FIELDS, values));
    const dispatchThreads = (pass: GPUComputePassEncoder, threads: number) => {
      const groups = Math.ceil(threads / WORKGROUP);
      const x = Math.min(groups, 65535);
      pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    };
    /** Threads of a matmul kernel with extent × units outputs per net, PER_THREAD along extent each (the kernels' `block`). */
    const blocked = (extent: number, units: number) => P * Math.ceil(extent / PER_THREAD) * units;
    const run = (encode: (pass: GPUComputePassEncoder, use: Use) => void, before?: (enc: GPUCommandEncoder) => void) => {
      const enc = device.createCommandEncoder();
      before?.(enc);
      const pass = enc.beginComputePass();
      pass.setBindGroup(0, group0);
      const use: Use = (name, layer = 0) => {
        pass.setPipeline(kernels.pipelines[name]);
        pass.setBindGroup(1, layerGroups[layer]!);
      };
      encode(pass, use);
      pass.end();
      device.queue.submit([enc.finish()]);
    };
    /** Forward pass of the rows in X over every layer, then softmax, loss and their sums. */
    const forward = (pass: GPUComputePassEncoder, use: Use, n: number) => {
      use("gather");
      dispatchThreads(pass, P * n * (lay.dims + 1));
      lay.layers.forEach((l, i) => {
        use("forward", i);
        dispatchThreads(pass, blocked(n, l.nout));
      });
      use("softmax_loss", L - 1);
      dispatchThreads(pass, P * n);
      use("reduce_rows");
      pass.dispatchWorkgroups(P);
    };
    /** Reads ranges [offset, offset + elements) of `source` (element units), back to back. */
    const read = async (source: GPUBuffer, ranges: ReadonlyArray<readonly [number, number]>): Promise<ArrayBuffer> => {
      const elements = ranges.reduce((s, [, n]) => s + n, 0);
      const staging = device.createBuffer({ size: Math.max(4, elements * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const enc = device.createCommandEncoder();
      let at = 0;
      for (const [offset, n] of ranges) {
        enc.copyBufferToBuffer(source, offset * 4, staging, at * 4, n * 4);
        at += n;
      }
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const copy = staging.getMappedRange().slice(0);
      staging.unmap();
      staging.destroy();
      return copy;
    };
    const setState = (p: number, state: number) => device.queue.writeBuffer(ints, (lay.stateAt + p) * 4, new Uint32Array([state]));
    const finish = (net: NetState, p: number, outcome: TraceSummary | Error) => {
      net.done = true;
      net.outcome = outcome;
      setState(p, STATE.finished);
    };

    let step = 0;
    for (let epoch = 0; epoch <= epochs && nets.some((n) => !n.done); epoch++) {
      nets.forEach((net, p) => {
        if (!net.done && net.member.signal.aborted) finish(net, p, net.member.signal.reason instanceof Error ? net.member.signal.reason : new Error(String(net.member.signal.reason)));
      });
      const traced = isTracedEpoch(epoch, epochs, every);
      if (epoch > 0 && spec0.training.shuffle) {
        nets.forEach((net, p) => {
          if (net.done) return;
          net.shuffle.shuffle(net.order);
          device.queue.writeBuffer(ints, (p * lay.ints + lay.rows) * 4, net.order);
        });
      }
      const clears = (enc: GPUCommandEncoder) => {
        enc.clearBuffer(acc, 0, TRAIN_SLOTS * P * 4);
        if (traced) {
          enc.clearBuffer(acc, lay.aGrad * 4, P * (2 * L + 1) * 4);
          enc.copyBufferToBuffer(params, 0, w0, 0, P * lay.block * 4);
        }
      };
      const update = epoch > 0;
      for (let from = 0, first = true; from < lay.trainN; from += lay.batch, first = false) {
        const n = Math.min(lay.batch, lay.trainN - from);
        if (update) step++;
        stepWords({ start: from, n, step, mode: 0, probe: 0, first: 0 });
        run(
          (pass, use) => {
            forward(pass, use, n);
            for (let i = L - 1; i >= 0; i--) {
              const l = lay.layers[i]!;
              use("backward_params", i);
              dispatchThreads(pass, blocked(l.nin + 1, l.nout));
              if (traced) {
                use("grad_norms", i);
                pass.dispatchWorkgroups(P);
              }
              if (i > 0) {
                use("backward_input", i);
                dispatchThreads(pass, blocked(n, l.nin));
              }
            }
            if (update) {
              use("optimize");
              dispatchThreads(pass, P * lay.block);
            }
          },
          first ? clears : undefined,
        );
      }
      const states = new Uint32Array(await read(ints, [[lay.stateAt, P]]));
      const recordNow = nets.map((net, p) => !net.done && (traced || states[p] === STATE.diverged));
      if (!recordNow.some(Boolean)) continue;

      // The evaluation pass: validation loss and accuracy over the whole split, statistics over its first `probe` rows.
      const end = lay.hasValidation ? lay.evalN : lay.probe;
      for (let from = 0; from < end; ) {
        const n = Math.min(lay.rows, (from < lay.probe ? lay.probe : end) - from);
        stepWords({ start: from, n, step, mode: 1, probe: Math.max(0, Math.min(n, lay.probe - from)), first: from === 0 ? 1 : 0 });
        run(
          (pass, use) => {
            forward(pass, use, n);
            if (from < lay.probe) {
              for (let i = 0; i < L; i++) {
                use("observe", i);
                pass.dispatchWorkgroups(P);
              }
            }
            if (from + n >= end) {
              for (let i = 0; i < L; i++) {
                use("norms", i);
                pass.dispatchWorkgroups(P);
                use("pairs", i);
                pass.dispatchWorkgroups(P);
              }
            }
          },
          from === 0
            ? (enc) => {
                enc.clearBuffer(acc, lay.aVal * 4, (lay.accSize - lay.aVal) * 4);
                enc.clearBuffer(ints, lay.histAt * 4, (lay.intsSize - lay.histAt) * 4);
              }
            : undefined,
        );
        from += n;
      }
      const [accF, tail] = await Promise.all([
        read(acc, [[0, lay.accSize]]).then((b) => new Float32Array(b)),
        read(ints, [[lay.histAt, lay.intsSize - lay.histAt]]).then((b) => new Uint32Array(b)),
      ]);
      // Weights come back only for nets with a layer whose units have copies: the rest have symmetry 0.
      const copied = nets.map((_, p) => recordNow[p] && lay.layers.some((__, l) => accF[lay.aPairs + p * L + l]! > 0));
      const wanted = nets.flatMap((_, p) => (copied[p] ? [p] : []));
      const blocks = new Float32Array(await read(params, wanted.map((p) => [p * lay.block, lay.block] as const)));
      const weightsOf = new Map(wanted.map((p, k) => [p, blocks.subarray(k * lay.block, (k + 1) * lay.block)]));
      const deliveries: Promise<void>[] = [];
      nets.forEach((net, p) => {
        if (!recordNow[p]) return;
        const record = epochRecord(net.member, p, epoch, lay, accF, tail, weightsOf.get(p));
        net.records.push(record);
        deliveries.push(net.member.sink.epoch(record));
        const diverged = states[p] === STATE.diverged || (record.valLoss !== null && !Number.isFinite(record.valLoss));
        if (diverged || epoch === epochs) finish(net, p, summarize(net.member.layers, net.records, diverged ? epoch : null));
      });
      // A sink that fails (Redis gone for good) fails its run only.
      const delivered = await Promise.allSettled(deliveries);
      let k = 0;
      nets.forEach((net, p) => {
        if (!recordNow[p]) return;
        const result = delivered[k++]!;
        if (result.status === "rejected") finish(net, p, result.reason instanceof Error ? result.reason : new Error(String(result.reason)));
      });
    }
    return nets.map((n) => n.outcome ?? new Error("the pack ended before this run did"));
  } finally {
    for (const b of buffers) b.destroy();
  }
}

/** Trains specs as one pack, keeping what each run streams: its traced epochs and how it ended. */
export async function trainCollected(gpu: Gpu, kernels: PackKernels, specs: readonly RunSpec[]): Promise<Array<{ epochs: EpochRecord[]; outcome: TraceSummary | Error }>> {
  const epochs: EpochRecord[][] = specs.map(() => []);
  const members = specs.map((spec, i) => ({ spec, signal: new AbortController().signal, sink: { layers: async () => {}, epoch: async (r: EpochRecord) => void epochs[i]!.push(r) } }));
  const outcomes = await trainPack(gpu, kernels, members);
  return outcomes.map((outcome, i) => ({ epochs: epochs[i]!, outcome }));
}

/** One net's EpochRecord from the pack's read-back accumulators, histograms, live units and (where a layer has copied units) its weights. */
function epochRecord(m: Prepared, p: number, epoch: number, lay: Layout, acc: Float32Array, tail: Uint32Array, weights: Float32Array | undefined): EpochRecord {
  const L = lay.layers.length;
  const seen = acc[TRAIN_SLOTS * p + 2]!;
  const grad = lay.aGrad + p * (2 * L + 1);
  const steps = acc[grad + 2 * L]! || 1;
  const histBase = (p * L) * lay.bins;
  const liveBase = lay.liveBase - lay.histAt + p * lay.hiddenUnits;
  const stats = m.layers.map((info, l) => {
    const s = new LayerStats(info.units, lay.bins, info.histogramRange, info.kind === "hidden" ? m.activation.saturation : undefined);
    s.reset();
    s.count = lay.probe * info.units;
    const sb = lay.aStats + STAT_SLOTS * (p * L + l);
    // The GPU's first six stat slots are LayerStats.sums, in SUM's order.
    s.sums.set(acc.subarray(sb, sb + s.sums.length));
    s.shift[0] = acc[sb + 6]!;
    s.shift[1] = acc[sb + 7]!;
    for (let b = 0; b < lay.bins; b++) s.histogram[b] = tail[histBase + l * lay.bins + b]!;
    if (info.kind === "hidden") for (let u = 0; u < info.units; u++) s.live[u] = tail[liveBase + lay.liveAt[l]! + u]!;
    else {
      for (let u = 0; u < info.units; u++) {
        const ub = lay.aUnits + 3 * (p * lay.classes + u);
        s.unitShift[u] = acc[ub]!;
        s.unitSum[u] = acc[ub + 1]!;
        s.unitSquares[u] = acc[ub + 2]!;
      }
    }
    return s;
  });
  const valAt = lay.aVal + 2 * p;
  const end = lay.hasValidation ? lay.evalN : lay.probe;
  return {
    epoch,
    trainLoss: acc[TRAIN_SLOTS * p]! / seen,
    trainAccuracy: acc[TRAIN_SLOTS * p + 1]! / seen,
    valLoss: lay.hasValidation ? acc[valAt]! / end : null,
    valAccuracy: lay.hasValidation ? acc[valAt + 1]! / end : null,
    outputStd: stats[L - 1]!.maxUnitStd(lay.probe),
    layers: m.layers.map((info, l) => {
      const layer = lay.layers[l]!;
      const nb = lay.aNorms + 3 * (p * L + l);
      return layerRecord(info, epoch, stats[l]!, {
        gradNorm: acc[grad + 2 * l]! / steps,
        biasGradNorm: acc[grad + 2 * l + 1]! / steps,
        weightSquares: acc[nb]!,
        changeSquares: acc[nb + 1]!,
        startSquares: acc[nb + 2]!,
        symmetry: weights && acc[lay.aPairs + p * L + l]! > 0 ? symmetry(weights, layer.wt, layer.b, layer.nin, layer.nout) : 0,
      });
    }),
  };
}
