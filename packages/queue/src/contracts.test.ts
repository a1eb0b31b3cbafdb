import { SpecError, train } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { toWire } from "@gradtrace/core";
import { parseResultMessage, parseRunJob, PAYLOAD_VERSION } from "./contracts.ts";

const runId = "4b0a2c58-7a7e-4d39-9d3b-0c1f2a3b4c5d";
const sweepId = "9f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b";
const spec = {
  dataset: "moons",
  model: { hidden: [8, 8], activation: "identity", weightInit: "he_normal" },
  training: { epochs: 20, optimizer: { name: "sgd", lr: 1 } },
};

/** What BullMQ does to job data: JSON out, JSON back. */
const overTheWire = (payload: unknown): unknown => JSON.parse(JSON.stringify(toWire(payload)));

describe("payloads", () => {
  it("carry a diverged run's trace across JSON with NaN and null intact", () => {
    const trace = train(spec);
    expect(trace.summary.status).toBe("diverged");
    const last = trace.epochs.at(-1)!;
    expect(last.trainLoss).toBeNaN();
    const message = parseResultMessage(overTheWire({ type: "finished", v: PAYLOAD_VERSION, runId, attempt: 1, summary: trace.summary, last }));
    expect(message.type).toBe("finished");
    if (message.type !== "finished") return;
    expect(message.last.trainLoss).toBeNaN();
    expect(message.last.layers[0]!.updateRatio).toEqual(last.layers[0]!.updateRatio);
    expect(message.last.layers.at(-1)!.deadFraction).toBeNull();
    expect(message.summary).toEqual(trace.summary);
    const epochs = parseResultMessage(overTheWire({ type: "epochs", v: 1, runId, attempt: 1, records: trace.epochs }));
    expect(epochs).toEqual({ type: "epochs", v: 1, runId, attempt: 1, records: trace.epochs });
  });

  it("validate the RunSpec inside a job and fill its defaults", () => {
    const job = parseRunJob(overTheWire({ v: 1, runId, sweepId, spec, device: "any" }));
    expect(job.spec.training.batchSize).toBe(32);
  });

  it.each([
    [{ v: 1, runId, sweepId, spec: { ...spec, model: { ...spec.model, hidden: [0] } }, device: "cpu" }, "spec.model.hidden[0]"],
    [{ v: 1, runId: "not-a-uuid", sweepId, spec, device: "cpu" }, "runId"],
    [{ v: 1, runId, sweepId, spec, device: "tpu" }, "device"],
    [{ v: 2, runId, sweepId, spec, device: "cpu" }, "v"],
    [{ runId, sweepId, spec, device: "cpu" }, "v"],
  ])("refuse a bad job, naming the field (%#)", (payload, path) => {
    try {
      parseRunJob(overTheWire(payload));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toContain(path);
    }
  });

  it("say which versions they read", () => {
    expect(() => parseRunJob({ v: 2, runId, sweepId, spec, device: "cpu" })).toThrow(/version 2 is not supported; this code reads version 1/);
  });

  it("refuse result messages of unknown type or with a stale shape", () => {
    expect(() => parseResultMessage({ type: "progress", v: 1, runId, attempt: 1 })).toThrow(SpecError);
    expect(() => parseResultMessage({ type: "epochs", v: 1, runId, attempt: 0, records: [] })).toThrow(/attempt|records/);
  });
});
