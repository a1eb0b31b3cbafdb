import { diagnose, summarize, toWire, worstDiagnosis, type EpochRecord, type LayerInfo, type TraceSummary } from "@gradtrace/core";
import type { Job, Queue } from "bullmq";
import { PAYLOAD_VERSION, packedEpochsText, type ResultMessageInput, type RunProgress } from "./contracts.ts";
import { RESULT_JOB_OPTIONS } from "./producer.ts";

/** A result message without what the reporter fills in. */
type ResultBody<M = ResultMessageInput> = M extends ResultMessageInput ? Omit<M, "v" | "runId" | "attempt"> : never;

/** When an attempt's epochs travel: every `flushMs`, or sooner once `maxChunk` have gathered. */
export interface ReporterOptions {
  flushMs: number;
  maxChunk: number;
  /** Least time between two progress updates of one run. */
  progressMs: number;
}

export const DEFAULT_REPORTER_OPTIONS: ReporterOptions = { flushMs: 250, maxChunk: 50, progressMs: 250 };

/**
 * Sends one attempt of one run back to the recorder through the results queue — its start, its
 * traced epochs in chunks, its end — in order, and publishes its live progress on the run's job.
 * Device-agnostic: CPU and GPU workers report through it alike.
 */
export class RunReporter {
  private readonly pending: EpochRecord[] = [];
  private readonly records: EpochRecord[] = [];
  private layers: LayerInfo[] = [];
  private lastFlush = Date.now();
  private lastProgress = 0;

  constructor(
    private readonly results: Queue,
    private readonly job: Job,
    private readonly run: { runId: string; sweepId: string; attempt: number; epochs: number; sendAt?: readonly number[] },
    private readonly options: ReporterOptions = DEFAULT_REPORTER_OPTIONS,
  ) {}

  private async send(message: ResultBody): Promise<void> {
    await this.results.add(message.type, toWire({ v: PAYLOAD_VERSION, runId: this.run.runId, attempt: this.run.attempt, ...message }), RESULT_JOB_OPTIONS);
  }

  /** The attempt began on `workerId`'s `device` with a network of these layers. */
  async started(workerId: string, device: string, layers: LayerInfo[]): Promise<void> {
    this.layers = layers;
    await this.send({ type: "started", workerId, device, layers });
  }

  /** One traced epoch: buffered, sent with the next chunk (at once when a stopping rule decides on it). */
  async epoch(record: EpochRecord): Promise<void> {
    this.pending.push(record);
    this.records.push(record);
    if (this.pending.length >= this.options.maxChunk || Date.now() - this.lastFlush >= this.options.flushMs || this.run.sendAt?.includes(record.epoch)) {
      await this.flush();
    }
    if (Date.now() - this.lastProgress >= this.options.progressMs) await this.progress(record);
  }

  private async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.pending.length === 0) return;
    await this.send({ type: "epochs", records: packedEpochsText(this.pending.splice(0)) });
  }

  private async progress(record: EpochRecord): Promise<void> {
    this.lastProgress = Date.now();
    const found = new Set(diagnose(this.layers, this.records, null).map((d) => d.kind));
    const progress: RunProgress = {
      v: PAYLOAD_VERSION,
      sweepId: this.run.sweepId,
      runId: this.run.runId,
      attempt: this.run.attempt,
      epoch: record.epoch,
      epochs: this.run.epochs,
      trainLoss: record.trainLoss,
      valAccuracy: record.valAccuracy,
      worst: worstDiagnosis(found, false),
    };
    await this.job.updateProgress(toWire(progress) as object);
  }

  /** The attempt ended: the last epochs, then the summary. */
  async finished(summary: TraceSummary): Promise<void> {
    await this.flush();
    const last = this.records[this.records.length - 1];
    if (!last) throw new Error(`run ${this.run.runId} finished without a traced epoch`);
    await this.progress(last);
    await this.send({ type: "finished", summary, last });
  }

  /** The attempt was stopped by its sweep's stopping rule: it ends where it stopped, summarised from the epochs it trained. */
  async pruned(): Promise<void> {
    if (this.records.length === 0) return;
    await this.finished(summarize(this.layers, this.records, null));
  }

  /** The attempt failed for good (its retries are spent, or it could never succeed; `timedOut`: it ran out of its time limit). */
  async failed(error: string, timedOut = false): Promise<void> {
    await this.flush();
    await this.send({ type: "failed", error, ...(timedOut ? { timedOut: true as const } : {}) });
  }

  /** The attempt was handed back unfinished. */
  async released(): Promise<void> {
    await this.send({ type: "released" });
  }
}
