import { encodeEpochChunk, packEpoch, SpecError, train, unpackEpoch, type PackedEpoch } from "@gradtrace/core";
import { describe, expect, it } from "vitest";
import { toWire } from "@gradtrace/core";
import { packedEpochsText, parseResultMessage, parseRunJob, PAYLOAD_VERSION } from "./contracts.ts";

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
    // JSON records, as older workers send them, are read and packed.
    const epochs = parseResultMessage(overTheWire({ type: "epochs", v: 1, runId, attempt: 1, records: trace.epochs }));
    expect(epochs).toEqual({ type: "epochs", v: 1, runId, attempt: 1, records: trace.epochs.map(packEpoch) });
  });

  it("read JSON records from workers before pre-activation histograms, and refuse histograms that cannot be packed", () => {
    const trace = train({ ...spec, training: { ...spec.training, epochs: 2 } });
    const withLayers = (change: (l: Record<string, unknown>, i: number) => Record<string, unknown>) =>
      trace.epochs.map((e) => ({ ...e, layers: e.layers.map((l, i) => change({ ...l }, i)) }));
    const without = (l: Record<string, unknown>) => Object.fromEntries(Object.entries(l).filter(([k]) => k !== "preActivationHistogram"));
    const read = parseResultMessage(overTheWire({ type: "epochs", v: 1, runId, attempt: 1, records: withLayers(without) }));
    if (read.type !== "epochs") return expect.unreachable();
    const layers = read.records.map(unpackEpoch).flatMap((e) => e.layers);
    expect(layers.map((l) => l.preActivationHistogram)).toEqual(layers.map(() => null));
    expect(layers.map((l) => l.histogram)).toEqual(trace.epochs.flatMap((e) => e.layers.map((l) => l.histogram)));
    for (const records of [
      withLayers((l, i) => (i === 0 ? without(l) : l)),
      withLayers((l, i) => (i === 1 ? { ...l, preActivationHistogram: [1, 2] } : l)),
      withLayers((l, i) => (i === 1 ? { ...l, histogram: [] } : l)),
    ]) {
      expect(() => parseResultMessage(overTheWire({ type: "epochs", v: 1, runId, attempt: 1, records }))).toThrow(
        /every layer's histograms need the same number of bins \(1 to 200\), and a pre-activation histogram on every layer or on none/,
      );
    }
  });

  it("carry packed epochs as base64, NaN and null intact, in under a third of the JSON's size", () => {
    const trace = train(spec);
    const packed = packedEpochsText(trace.epochs);
    const wired = overTheWire({ type: "epochs", v: 1, runId, attempt: 1, records: packed });
    const message = parseResultMessage(wired);
    if (message.type !== "epochs") return expect.unreachable();
    expect(message.records.map(unpackEpoch)).toEqual(trace.epochs.map((e) => unpackEpoch(packEpoch(e))));
    expect(message.records.at(-1)!.trainLoss).toBeNaN();
    expect(message.records[0]!.valLoss).toEqual(trace.epochs[0]!.valLoss);
    const json = JSON.stringify(toWire({ type: "epochs", v: 1, runId, attempt: 1, records: trace.epochs })).length;
    expect(JSON.stringify(wired).length).toBeLessThan(json / 3);
  });

  it.each([
    ["cut short", (p: PackedEpoch[]) => encodeEpochChunk(p).subarray(0, -3), /run past the end/],
    ["with bytes after its end", (p: PackedEpoch[]) => Uint8Array.from([...encodeEpochChunk(p), 0]), /1 bytes follow the last epoch/],
    ["of another version", (p: PackedEpoch[]) => encodeEpochChunk(p).map((v, i) => (i === 0 ? 9 : v)), /version 9 is not supported/],
    ["with epochs out of order", (p: PackedEpoch[]) => encodeEpochChunk([...p].reverse()), /epoch 0 follows epoch 1; epochs must increase/],
    ["with a null loss", (p: PackedEpoch[]) => encodeEpochChunk([{ ...p[0]!, trainLoss: null as unknown as number }]), /trainLoss is null/],
  ])("refuse packed epochs %s, naming the field and the fault", (_name, damage, fault) => {
    const trace = train({ ...spec, training: { ...spec.training, epochs: 3 } });
    const bytes = damage(trace.epochs.map(packEpoch));
    const records = Buffer.from(bytes).toString("base64");
    try {
      parseResultMessage({ type: "epochs", v: 1, runId, attempt: 1, records });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toContain("records");
      expect((error as SpecError).message).toMatch(fault);
    }
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
