import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import type { KernelsName, RunSpec, TraceSummary } from "@gradtrace/core";
import type { Trainer, TrainSink } from "@gradtrace/queue";
import type { ThreadMessage, TrainRequest } from "./train-thread.ts";

/** The thread's entry: the compiled one the gradtrace binary names, else the tsx shim beside this source. */
const threadScript = () => new URL(process.env.GRADTRACE_THREAD_SCRIPT ?? new URL("./train-thread.mjs", import.meta.url).href);

/** One thread and the flag that stops its run. */
class Slot {
  readonly abort = new Int32Array(new SharedArrayBuffer(4));
  readonly thread = new Worker(threadScript(), { workerData: { abort: this.abort.buffer } });
}

/**
 * Trains runs on a pool of worker threads with the core, one run per thread at a time, so the
 * event loop that holds the queue's locks never waits on training. A thread that dies is
 * replaced; its run fails with the reason.
 */
export class ThreadPool implements Trainer {
  readonly device = "cpu";
  readonly deviceName = `${cpus()[0]?.model.trim() ?? "CPU"} (${cpus().length} cores)`;
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private readonly all = new Set<Slot>();
  private closed = false;

  /** At most `concurrency` threads, each training with `kernels` (the core's default when not given). */
  constructor(
    readonly concurrency: number,
    private readonly kernels?: KernelsName,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  }

  private acquire(): Promise<Slot> {
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    if (this.all.size < this.concurrency) {
      const fresh = new Slot();
      fresh.thread.unref();
      this.all.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  private discard(slot: Slot): void {
    this.all.delete(slot);
    void slot.thread.terminate();
    if (this.waiting.length > 0 && !this.closed)
      this.acquire().then(
        (s) => this.release(s),
        () => undefined,
      );
  }

  async train(spec: RunSpec, sink: TrainSink, signal: AbortSignal): Promise<TraceSummary> {
    if (this.closed) throw new Error("the thread pool is closed");
    signal.throwIfAborted();
    const slot = await this.acquire();
    Atomics.store(slot.abort, 0, 0);
    const stop = () => Atomics.store(slot.abort, 0, 1);
    signal.addEventListener("abort", stop, { once: true });
    let healthy = true;
    let onMessage: (message: ThreadMessage) => void = () => undefined;
    let onError: (error: Error) => void = () => undefined;
    let onExit: (code: number) => void = () => undefined;
    try {
      return await new Promise<TraceSummary>((resolve, reject) => {
        // Sink calls are chained so records reach it in the order the thread made them; a sink
        // that fails (Redis gone for good) stops the run, and the run fails with the sink's error.
        let delivered = Promise.resolve();
        const deliver = (step: () => Promise<void>) => {
          delivered = delivered.then(step);
          delivered.catch(stop);
        };
        const settle = (outcome: () => void) => delivered.then(outcome, reject);
        onMessage = (message) => {
          if (message.type === "layers") deliver(() => sink.layers(message.layers));
          else if (message.type === "epoch") deliver(() => sink.epoch(message.record));
          else if (message.type === "done") settle(() => resolve(message.summary));
          else if (message.type === "aborted") settle(() => reject(signal.reason));
          else settle(() => reject(new Error(message.message)));
        };
        onError = (error) => {
          healthy = false;
          reject(error);
        };
        onExit = (code) => {
          healthy = false;
          reject(new Error(`the training thread exited with code ${code}`));
        };
        slot.thread.on("message", onMessage).on("error", onError).on("exit", onExit);
        slot.thread.postMessage({ spec, kernels: this.kernels } satisfies TrainRequest);
      });
    } finally {
      signal.removeEventListener("abort", stop);
      slot.thread.off("message", onMessage).off("error", onError).off("exit", onExit);
      if (healthy) this.release(slot);
      else this.discard(slot);
    }
  }

  /** Stops every thread; a run still training rejects. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((slot) => slot.thread.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}
