import {
  binning,
  initialiseParameters,
  PRE_ACTIVATION_RANGE,
  SYMMETRY_TOLERANCE,
  type Activation,
  type Dataset,
  type LayerInfo,
  type RunSpec,
} from "@gradtrace/core";
import type { Gpu } from "./device.ts";
import { LAYER_FIELDS, NET_FIELDS, NET_U32_FIELDS, PACK_F32_FIELDS, PACK_FIELDS, PER_THREAD, STEP_FIELDS, TRAIN_SLOTS, WORKGROUP } from "./kernels.wgsl.ts";
import type { PackKernels, Use } from "./pack-kernels.ts";
import { bytesPerNet, fields, OPTIMIZER_CODES, type Layout } from "./pack-layout.ts";

/** What the GPU needs of each net: its spec, activation, traced layers and data. */
export interface DeviceNet {
  spec: RunSpec;
  activation: Activation;
  layers: LayerInfo[];
  data: Dataset;
}

/** GPU time, in ms, between the checks of a training pass for a pack to stop (a cancel). */
const CHECK_MS = 200;

/** The pack's buffers, in the order of their bindings in group 0. */
interface Buffers {
  pack: GPUBuffer;
  step: GPUBuffer;
  nets: GPUBuffer;
  params: GPUBuffer;
  opt: GPUBuffer;
  acts: GPUBuffer;
  data: GPUBuffer;
  ints: GPUBuffer;
  acc: GPUBuffer;
  w0: GPUBuffer;
}

/**
 * A pack's GPU side: one set of buffers holding every net, the dispatches of an epoch's training
 * and evaluation passes, and the read-backs. Knows nothing of runs, sinks or records.
 */
export class PackDevice {
  /** Whether a net of the pack steps to a look-ahead point before each update's forward pass. */
  private lookAhead = false;
  /** Whether a net of the pack measures its training split after a traced epoch's updates. */
  private measureTraining = false;

  private constructor(
    private readonly device: GPUDevice,
    private readonly kernels: PackKernels,
    private readonly lay: Layout,
    private readonly b: Buffers,
    private readonly owned: GPUBuffer[],
    private readonly group0: GPUBindGroup,
    private readonly layerGroups: GPUBindGroup[],
  ) {}

  /**
   * Allocates the pack's buffers and uploads each net's constants, initial parameters (the
   * core's), data and labels. Throws when the device cannot bind or hold the pack.
   */
  static async open(gpu: Gpu, kernels: PackKernels, nets: readonly DeviceNet[], lay: Layout): Promise<PackDevice> {
    const { device } = gpu;
    const P = nets.length;
    const spec0 = nets[0]!.spec;
    const need = P * bytesPerNet(spec0, nets[0]!.data);
    if (need > device.limits.maxStorageBufferBindingSize) {
      throw new RangeError(
        `a pack of ${P} runs of this shape needs ${need} bytes in one GPU buffer; this device binds at most ${device.limits.maxStorageBufferBindingSize}: pack fewer`,
      );
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    // WebGPU reports a buffer it could not make asynchronously, not by throwing: catch it here.
    device.pushErrorScope("out-of-memory");
    const owned: GPUBuffer[] = [];
    const buffer = (elements: number, use = usage) => {
      const made = device.createBuffer({ size: Math.max(16, Math.ceil((elements * 4) / 16) * 16), usage: use });
      owned.push(made);
      return made;
    };
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const b: Buffers = {
      pack: buffer(PACK_FIELDS.length, uniform),
      step: buffer(STEP_FIELDS.length, uniform),
      nets: buffer(P * NET_FIELDS.length),
      params: buffer(P * lay.block),
      opt: buffer(3 * P * lay.block),
      acts: buffer(P * lay.acts),
      data: buffer(P * lay.data),
      ints: buffer(lay.intsSize),
      acc: buffer(lay.accSize),
      w0: buffer(P * lay.block),
    };
    try {
      const refused = await device.popErrorScope();
      if (refused) throw new Error(`the GPU could not hold a pack of ${P} runs of this shape (${need} bytes in its largest buffer): ${refused.message}`);
      const L = lay.layers.length;
      const out = binning(lay.bins, spec0.tracing.histogramRange ?? [0, 1], spec0.tracing.histogramScale);
      const pre = binning(lay.bins, PRE_ACTIVATION_RANGE, spec0.tracing.histogramScale);
      device.queue.writeBuffer(
        b.pack,
        0,
        fields(
          PACK_FIELDS,
          {
            nets: P,
            block: lay.block,
            acts: lay.acts,
            rows: lay.rows,
            dims: lay.dims,
            classes: lay.classes,
            layers: L,
            bins: lay.bins,
            trainN: lay.trainN,
            evalN: lay.evalN,
            hiddenUnits: lay.hiddenUnits,
            dataStride: lay.data,
            intStride: lay.ints,
            stateAt: lay.stateAt,
            histAt: lay.histAt,
            liveAt: lay.liveBase,
            aGrad: lay.aGrad,
            aVal: lay.aVal,
            aStats: lay.aStats,
            aUnits: lay.aUnits,
            aNorms: lay.aNorms,
            rowLoss: lay.at.rowLoss,
            rowCorrect: lay.at.rowCorrect,
            aPairs: lay.aPairs,
            symmetryTolerance: SYMMETRY_TOLERANCE,
            outLo: out.low,
            outScale: out.scale,
            outInv: out.inverseThreshold,
            zLo: pre.low,
            zScale: pre.scale,
            zInv: pre.inverseThreshold,
          },
          (f) => PACK_F32_FIELDS.has(f),
        ),
      );
      const layerGroups = lay.layers.map((l, i) => {
        const group = buffer(LAYER_FIELDS.length, uniform);
        const hidden = i < L - 1;
        device.queue.writeBuffer(
          group,
          0,
          fields(LAYER_FIELDS, {
            index: i,
            nin: l.nin,
            nout: l.nout,
            wt: l.wt,
            b: l.b,
            x: i === 0 ? lay.at.x : lay.at.h[i - 1]!,
            z: lay.at.z[i]!,
            h: lay.at.h[i]!,
            dz: (L - 1 - i) % 2 === 0 ? lay.at.d0 : lay.at.d1,
            dx: (L - i) % 2 === 0 ? lay.at.d0 : lay.at.d1,
            hidden: hidden ? 1 : 0,
            live: hidden ? lay.liveAt[i]! : 0,
            prevZ: i > 0 ? lay.at.z[i - 1]! : 0,
          }),
        );
        return device.createBindGroup({ layout: kernels.group1, entries: [{ binding: 0, resource: { buffer: group } }] });
      });
      const group0 = device.createBindGroup({
        layout: kernels.group0,
        entries: [b.pack, b.step, b.nets, b.params, b.opt, b.acts, b.data, b.ints, b.acc, b.w0].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
      });
      const pack = new PackDevice(device, kernels, lay, b, owned, group0, layerGroups);
      pack.upload(nets);
      return pack;
    } catch (error) {
      for (const made of owned) made.destroy();
      throw error;
    }
  }

  /** Per-net constants, initial parameters, data and labels, all from the core's code. */
  private upload(nets: readonly DeviceNet[]): void {
    const { lay, b, device } = this;
    const P = nets.length;
    const netWords = new ArrayBuffer(P * NET_FIELDS.length * 4);
    const block = new Float32Array(P * lay.block);
    const dataF = new Float32Array(P * lay.data);
    const intsInit = new Uint32Array(lay.stateAt);
    this.lookAhead = nets.some((m) => m.spec.training.optimizer.name === "nesterov_sutskever");
    this.measureTraining = nets.some((m) => m.spec.tracing.trainMetrics === "epoch_end");
    nets.forEach((m, p) => {
      const o = m.spec.training.optimizer;
      const hist = binning(lay.bins, m.layers[0]!.histogramRange, m.layers[0]!.histogramScale);
      const sat = m.activation.saturation;
      const values: Record<string, number> = {
        act: m.activation.code,
        alpha: m.activation.alpha,
        opt: OPTIMIZER_CODES[o.name],
        lr: o.lr,
        mu: "momentum" in o ? o.momentum : 0,
        b1: "beta1" in o ? o.beta1 : 0,
        b2: "beta2" in o ? o.beta2 : 0,
        eps: "epsilon" in o ? o.epsilon : 0,
        lo: hist.low,
        scale: hist.scale,
        inv: hist.inverseThreshold,
        satLo: sat?.[0] ?? 0,
        satHi: sat?.[1] ?? 0,
        sat: sat ? 1 : 0,
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
    device.queue.writeBuffer(b.nets, 0, netWords);
    device.queue.writeBuffer(b.params, 0, block);
    device.queue.writeBuffer(b.data, 0, dataF);
    device.queue.writeBuffer(b.ints, 0, intsInit);
  }

  private get nets(): number {
    return this.lay.nets;
  }

  /** Net p's epoch order (after its shuffle). */
  writeOrder(p: number, order: Uint32Array): void {
    this.device.queue.writeBuffer(this.b.ints, (p * this.lay.ints + this.lay.rows) * 4, order);
  }

  /** Sets net p's state word (a finished net is skipped by every kernel). */
  setState(p: number, state: number): void {
    this.device.queue.writeBuffer(this.b.ints, (this.lay.stateAt + p) * 4, new Uint32Array([state]));
  }

  /**
   * One epoch's training pass: per minibatch, the forward and backward passes of every net, the
   * gradient norms when `traced`, and the update when `update` (epoch 0 measures, updates
   * nothing). Returns the optimizer step reached. About every CHECK_MS of GPU work it waits for
   * the GPU and asks `stop`; when that says so the epoch ends there (undefined), so a cancel
   * reaches a pack within a fraction of a second however long its epochs are.
   */
  async train(step: number, traced: boolean, update: boolean, stop: () => boolean = () => false): Promise<number | undefined> {
    const { lay, b } = this;
    const L = lay.layers.length;
    const P = this.nets;
    const clears = (enc: GPUCommandEncoder) => {
      enc.clearBuffer(b.acc, 0, TRAIN_SLOTS * P * 4);
      if (traced) {
        enc.clearBuffer(b.acc, lay.aGrad * 4, P * (2 * L + 1) * 4);
        enc.copyBufferToBuffer(b.params, 0, b.w0, 0, P * lay.block * 4);
      }
    };
    // Minibatches between checks, adapted to how long the last chunk took the GPU.
    let chunk = 8;
    let queued = 0;
    let since = performance.now();
    for (let from = 0, first = true; from < lay.trainN; from += lay.batch, first = false) {
      if (queued >= chunk) {
        await this.device.queue.onSubmittedWorkDone();
        const took = performance.now() - since;
        chunk = Math.max(1, Math.min(4 * chunk, Math.round((chunk * CHECK_MS) / Math.max(1, took))));
        queued = 0;
        since = performance.now();
        if (stop()) return undefined;
      }
      queued++;
      const n = Math.min(lay.batch, lay.trainN - from);
      if (update) step++;
      this.stepWords({ start: from, n, step, mode: 0, probe: 0, first: 0 });
      this.run(
        (pass, use) => {
          if (update && this.lookAhead) {
            use("look_ahead");
            this.dispatchThreads(pass, P * lay.block);
          }
          this.forward(pass, use, n);
          for (let i = L - 1; i >= 0; i--) {
            const l = lay.layers[i]!;
            use("backward_params", i);
            this.dispatchThreads(pass, this.blocked(l.nin + 1, l.nout));
            if (traced) {
              use("grad_norms", i);
              pass.dispatchWorkgroups(P);
            }
            if (i > 0) {
              use("backward_input", i);
              this.dispatchThreads(pass, this.blocked(n, l.nin));
            }
          }
          if (update) {
            use("optimize");
            this.dispatchThreads(pass, P * lay.block);
          }
        },
        first ? clears : undefined,
      );
    }
    // As the core does: after updates, the training split measured with the weights the epoch ends with.
    if (traced && update && this.measureTraining) {
      for (let from = 0; from < lay.trainN; from += lay.batch) {
        const n = Math.min(lay.batch, lay.trainN - from);
        this.stepWords({ start: from, n, step, mode: 2, probe: 0, first: 0 });
        this.run((pass, use) => this.forward(pass, use, n));
      }
    }
    return step;
  }

  /** The evaluation pass: validation loss and accuracy over the whole split, statistics over its first `probe` rows, weight norms and unit pairs. */
  evaluate(step: number): void {
    const { lay, b } = this;
    const L = lay.layers.length;
    const P = this.nets;
    const end = lay.hasValidation ? lay.evalN : lay.probe;
    for (let from = 0; from < end;) {
      const n = Math.min(lay.rows, (from < lay.probe ? lay.probe : end) - from);
      this.stepWords({ start: from, n, step, mode: 1, probe: Math.max(0, Math.min(n, lay.probe - from)), first: from === 0 ? 1 : 0 });
      this.run(
        (pass, use) => {
          this.forward(pass, use, n);
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
              enc.clearBuffer(b.acc, lay.aVal * 4, (lay.accSize - lay.aVal) * 4);
              enc.clearBuffer(b.ints, lay.histAt * 4, (lay.intsSize - lay.histAt) * 4);
            }
          : undefined,
      );
      from += n;
    }
  }

  /** Every net's state word: training, finished or diverged. */
  async states(): Promise<Uint32Array> {
    return new Uint32Array(await this.read(this.b.ints, [[this.lay.stateAt, this.nets]]));
  }

  /** The accumulators and the ints' tail (histograms, live units) after an evaluation pass. */
  async statistics(): Promise<{ acc: Float32Array; tail: Uint32Array }> {
    const { lay, b } = this;
    const [acc, tail] = await Promise.all([
      this.read(b.acc, [[0, lay.accSize]]).then((buf) => new Float32Array(buf)),
      this.read(b.ints, [[lay.histAt, lay.intsSize - lay.histAt]]).then((buf) => new Uint32Array(buf)),
    ]);
    return { acc, tail };
  }

  /** The parameter blocks of the nets `wanted`, by net. */
  async parameters(wanted: readonly number[]): Promise<Map<number, Float32Array>> {
    const { lay } = this;
    const blocks = new Float32Array(
      await this.read(
        this.b.params,
        wanted.map((p) => [p * lay.block, lay.block] as const),
      ),
    );
    return new Map(wanted.map((p, k) => [p, blocks.subarray(k * lay.block, (k + 1) * lay.block)]));
  }

  /** Frees the pack's buffers. */
  destroy(): void {
    for (const made of this.owned) made.destroy();
  }

  private stepWords(values: Record<string, number>): void {
    this.device.queue.writeBuffer(this.b.step, 0, fields(STEP_FIELDS, values));
  }

  private dispatchThreads(pass: GPUComputePassEncoder, threads: number): void {
    const groups = Math.ceil(threads / WORKGROUP);
    const x = Math.min(groups, 65535);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  /** Threads of a matmul kernel with extent × units outputs per net, PER_THREAD along extent each (the kernels' `block`). */
  private blocked(extent: number, units: number): number {
    return this.nets * Math.ceil(extent / PER_THREAD) * units;
  }

  /** Encodes one compute pass (after `before`'s clears and copies) and submits it. */
  private run(encode: (pass: GPUComputePassEncoder, use: Use) => void, before?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.device.createCommandEncoder();
    before?.(enc);
    const pass = enc.beginComputePass();
    pass.setBindGroup(0, this.group0);
    const use: Use = (name, layer = 0) => {
      pass.setPipeline(this.kernels.pipelines[name]);
      pass.setBindGroup(1, this.layerGroups[layer]!);
    };
    encode(pass, use);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /** Forward pass of the rows in X over every layer, then softmax, loss and their sums. */
  private forward(pass: GPUComputePassEncoder, use: Use, n: number): void {
    const { lay } = this;
    const P = this.nets;
    use("gather");
    this.dispatchThreads(pass, P * n * (lay.dims + 1));
    lay.layers.forEach((l, i) => {
      use("forward", i);
      this.dispatchThreads(pass, this.blocked(n, l.nout));
    });
    use("softmax_loss", lay.layers.length - 1);
    this.dispatchThreads(pass, P * n);
    use("reduce_rows");
    pass.dispatchWorkgroups(P);
  }

  /** Reads ranges [offset, offset + elements) of `source` (element units), back to back. */
  private async read(source: GPUBuffer, ranges: ReadonlyArray<readonly [number, number]>): Promise<ArrayBuffer> {
    const elements = ranges.reduce((s, [, n]) => s + n, 0);
    const staging = this.device.createBuffer({ size: Math.max(4, elements * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    let at = 0;
    for (const [offset, n] of ranges) {
      enc.copyBufferToBuffer(source, offset * 4, staging, at * 4, n * 4);
      at += n;
    }
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    return copy;
  }
}
