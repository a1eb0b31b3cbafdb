import { train, type RunSpecInput } from "@gradtrace/core";
import { afterAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.ts";
import { bothDatabases } from "../testing.ts";
import { finishRun, startRun } from "./runs.ts";
import { createSweep, deleteSweepRows, getSweep, refreshSweepStatus } from "./sweeps.ts";
import { appendEpochs, getRun, thinRunTrace } from "./traces.ts";

// The repositories' hand-written SQL runs on both databases gradtrace runs on: the embedded
// PGlite takes parameters differently (an array cast to an enum array reached it as a malformed
// literal), so a statement that passes on Postgres alone is not done.
const { databases, close } = bothDatabases();
afterAll(close);

const spec = (activation: "tanh" | "identity", lr: number): RunSpecInput => ({
  dataset: { name: "moons", samples: 200 },
  model: { hidden: [8, 8], activation, weightInit: "he_normal" },
  training: { epochs: 8, optimizer: { name: "sgd", lr } },
});
const healthy = train(spec("tanh", 0.05));
const diverging = train(spec("identity", 1));

describe.each(databases)("a sweep's statements on %s", (_name, open) => {
  it("store it, follow its runs' status, thin a diverged run's trace, delete it", async () => {
    expect(diverging.summary.status).toBe("diverged");
    const prisma = await open();
    const { sweepId, runIds } = await createSweep(prisma, { name: "raw", spec: {}, runs: [healthy.spec, diverging.spec] });
    const status = async () => (await getSweep(prisma, sweepId)).status;
    await refreshSweepStatus(prisma, runIds);
    expect(await status()).toBe("queued");
    for (const [i, trace] of [healthy, diverging].entries()) {
      const attempt = await startRun(prisma, runIds[i]!, { workerId: "w", device: "cpu", layers: trace.layers });
      await refreshSweepStatus(prisma, runIds.slice(i, i + 1));
      expect(await status()).toBe("running");
      await appendEpochs(prisma, runIds[i]!, attempt, trace.epochs);
      await finishRun(prisma, runIds[i]!, attempt, trace.summary, trace.epochs.at(-1)!);
    }
    await refreshSweepStatus(prisma, runIds);
    expect(await status()).toBe("completed");

    const whole = (await getRun(prisma, runIds[1]!)).epochs;
    const thin = await thinRunTrace(prisma, runIds[1]!, 3);
    const last = whole.length - 1;
    expect(thin.epochs.map((e) => e.epoch)).toEqual([0, Math.round(last / 2), last].map((i) => whole[i]!.epoch));
    expect(thin.epochs.at(-1)!.trainLoss).toBeNaN();
    expect(thin.series.trainLoss.at(-1)!.last).toBeNaN();
    expect(thin.epochCount).toBe(whole.length);

    expect(await deleteSweepRows(prisma, sweepId)).toBe(2);
    await expect(getSweep(prisma, sweepId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteSweepRows(prisma, sweepId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
