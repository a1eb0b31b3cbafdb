import { makeDataset, type RunSpec, type TraceSummary } from "@gradtrace/core";
import type { Trainer, TrainSink } from "@gradtrace/queue";
import { openGpu, type Gpu } from "./device.ts";
import { bytesPerNet, packKey, PackKernels, trainPack, type PackMember } from "./pack.ts";

/** The most nets one pack holds. */
export const MAX_PACK = 4096;

interface Waiting extends PackMember {
  resolve: (summary: TraceSummary) => void;
  reject: (error: Error) => void;
}

/** How the trainer gathers runs into packs. */
export interface GpuTrainerOptions {
  /** Nets per pack, at most. */
  pack: number;
  /** How long a pack waits for more runs of its shape after the last one arrived. */
  gatherMs?: number;
}

/**
 * Trains runs on the GPU in packs: runs handed to `train` (as the worker shell takes them from the
 * queue, up to `concurrency` at once) wait a moment for others of the same shape, then train
 * together, each still reporting its own epochs and ending on its own. Packs take turns on the
 * device; while one trains, the next gathers. A run never waits on another run's fate: a pack's
 * outcome is per run.
 */
export class GpuTrainer implements Trainer {
  readonly device = "gpu";
  readonly concurrency: number;
  private readonly groups = new Map<string, { runs: Waiting[]; timer?: NodeJS.Timeout; limit: number }>();
  private turn: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly gpu: Gpu,
    private readonly kernels: PackKernels,
    private readonly options: Required<GpuTrainerOptions>,
  ) {
    // Twice the pack, so that the next pack gathers while one trains.
    this.concurrency = 2 * options.pack;
  }

  get deviceName(): string {
    return this.gpu.name;
  }

  /** Opens the GPU and compiles the kernels; NoGpuError when there is no adapter. */
  static async open(options: GpuTrainerOptions): Promise<GpuTrainer> {
    if (!Number.isInteger(options.pack) || options.pack < 1 || options.pack > MAX_PACK)
      throw new RangeError(`pack must be a whole number from 1 to ${MAX_PACK}, got ${options.pack}`);
    const gpu = await openGpu();
    return new GpuTrainer(gpu, await PackKernels.create(gpu.device), { gatherMs: 100, ...options });
  }

  train(spec: RunSpec, sink: TrainSink, signal: AbortSignal): Promise<TraceSummary> {
    if (this.closed) return Promise.reject(new Error("the GPU trainer is closed"));
    signal.throwIfAborted();
    const data = makeDataset(spec.dataset);
    const key = packKey(spec, data);
    return new Promise((resolve, reject) => {
      let group = this.groups.get(key);
      if (!group) {
        // A pack is as large as asked, and as the device's largest buffer allows.
        const limit = this.gpu.device.limits.maxStorageBufferBindingSize;
        const perNet = bytesPerNet(spec, data);
        const fit = Math.floor(limit / perNet);
        if (fit < 1) return reject(new Error(`one run of this shape needs ${perNet} bytes in one GPU buffer; the device allows ${limit}`));
        group = { runs: [], limit: Math.min(this.options.pack, fit) };
        this.groups.set(key, group);
      }
      group.runs.push({ spec, sink, signal, data, resolve, reject });
      // An aborted run (a cancel, a prune) is let go at once; its net in the pack stops at the next check.
      signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      clearTimeout(group.timer);
      if (group.runs.length >= group.limit) this.launch(key);
      else group.timer = setTimeout(() => this.launch(key), this.options.gatherMs);
    });
  }

  private launch(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    clearTimeout(group.timer);
    const runs = group.runs.splice(0, group.limit);
    if (group.runs.length === 0) this.groups.delete(key);
    else group.timer = setTimeout(() => this.launch(key), this.options.gatherMs);
    for (const r of runs) if (r.signal.aborted) r.reject(r.signal.reason as Error);
    const live = runs.filter((r) => !r.signal.aborted);
    if (live.length === 0) return;
    this.turn = this.turn.then(async () => {
      try {
        const outcomes = await trainPack(this.gpu, this.kernels, live);
        outcomes.forEach((o, i) => (o instanceof Error ? live[i]!.reject(o) : live[i]!.resolve(o)));
      } catch (error) {
        for (const r of live) r.reject(error as Error);
      }
    });
  }

  /** Stops gathering; runs still waiting reject; the device is released once the running pack ends. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [key, group] of this.groups) {
      clearTimeout(group.timer);
      for (const r of group.runs) r.reject(new Error("the GPU trainer closed before this run's pack started"));
      this.groups.delete(key);
    }
    await this.turn;
    this.gpu.device.destroy();
  }
}
