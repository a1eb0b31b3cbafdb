import { parentPort, workerData } from "node:worker_threads";
import { Run, RunStoppedError, type EpochRecord, type KernelsName, type LayerInfo, type RunSpec, type TraceSummary } from "@gradtrace/core";

/** What the pool asks a thread to do. */
export interface TrainRequest {
  spec: RunSpec;
  kernels?: KernelsName | undefined;
}

/** What a thread reports, in order: the layers, each traced epoch, then the summary, an abort or an error. */
export type ThreadMessage =
  | { type: "layers"; layers: LayerInfo[] }
  | { type: "epoch"; record: EpochRecord }
  | { type: "done"; summary: TraceSummary }
  | { type: "aborted" }
  | { type: "error"; message: string };

const port = parentPort!;
// The pool raises this flag to stop the run; a message could not arrive while the thread is busy
// training, so the core asks for it after every minibatch.
const abort = new Int32Array(workerData.abort as SharedArrayBuffer);
const shouldStop = () => Atomics.load(abort, 0) !== 0;

port.on("message", ({ spec, kernels }: TrainRequest) => {
  const post = (message: ThreadMessage) => port.postMessage(message);
  try {
    const run = new Run(spec, { shouldStop, ...(kernels ? { kernels } : {}) });
    post({ type: "layers", layers: run.layers });
    const epochs = run.epochs();
    for (let next = epochs.next(); ; next = epochs.next()) {
      if (shouldStop()) return post({ type: "aborted" });
      if (next.done) return post({ type: "done", summary: next.value });
      post({ type: "epoch", record: next.value });
    }
  } catch (error) {
    if (error instanceof RunStoppedError) return post({ type: "aborted" });
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
