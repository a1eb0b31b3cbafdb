import { train, type Trace } from "@gradtrace/core";
import { afterAll, describe, expect, it } from "vitest";
import { startRun } from "./repositories/runs.ts";
import { createSweep } from "./repositories/sweeps.ts";
import { appendEpochs, getRun } from "./repositories/traces.ts";
import { bothDatabases, expectSameEpochs } from "./testing.ts";

// Traced epochs go in with COPY on both databases gradtrace runs on: Postgres (pg-copy-streams)
// and the embedded PGlite (COPY from a blob).
const { databases, close } = bothDatabases();
afterAll(close);

const diverging: Trace = train({
  dataset: { name: "moons", samples: 200 },
  model: { hidden: [8, 8], activation: "identity", weightInit: "he_normal" },
  training: { epochs: 12, optimizer: { name: "sgd", lr: 1 } },
});

describe.each(databases)("traced epochs on %s", (_name, open) => {
  it("are copied in with NaN intact, once however often they are delivered", async () => {
    expect(diverging.summary.status).toBe("diverged");
    const prisma = await open();
    const { runIds } = await createSweep(prisma, { name: "bulk", spec: {}, runs: [diverging.spec] });
    const runId = runIds[0]!;
    const attempt = await startRun(prisma, runId, { workerId: "w", device: "cpu", layers: diverging.layers });
    expect(await appendEpochs(prisma, runId, attempt, diverging.epochs.slice(0, 2))).toBe(2);
    expect(await appendEpochs(prisma, runId, attempt, diverging.epochs)).toBe(diverging.epochs.length - 2);
    expect(await appendEpochs(prisma, runId, attempt, diverging.epochs)).toBe(0);
    const { run, epochs } = await getRun(prisma, runId);
    expectSameEpochs(epochs, diverging.epochs);
    expect(epochs.at(-1)!.trainLoss).toBeNaN();
    expect(run.epochsDone).toBe(diverging.epochs.at(-1)!.epoch);
  });
});
