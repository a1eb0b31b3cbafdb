import { train, type RunSpecInput } from "@gradtrace/core";
import { appendEpochs, createSweep, finishRun, refreshSweepStatus, startRun, type PrismaClient } from "@gradtrace/db";
import { describe, expect, it, vi } from "vitest";
import { routeTestServices } from "./test-services.ts";

// The web project's tests keep nothing (GRADTRACE_SHARE_MS=0), and a server that keeps nothing
// starts no reads with its pages; these test the default.
vi.stubEnv("GRADTRACE_SHARE_MS", "1000");
const { columnsAnswer, importanceAnswer, slicesAnswer, startFigureReads } = await import("./figure-answers.ts");

const services = routeTestServices("web_figure_answers");

/** The client, counting its raw queries (the outcomes read is the one the figures share). */
function counting(prisma: PrismaClient): { prisma: PrismaClient; queries: () => number } {
  let queries = 0;
  const counted = new Proxy(prisma, {
    get(target, key) {
      if (key === "$queryRaw")
        return (...args: Parameters<PrismaClient["$queryRaw"]>) => {
          queries++;
          return target.$queryRaw(...args);
        };
      return Reflect.get(target, key, target) as unknown;
    },
  });
  return { prisma: counted, queries: () => queries };
}

describe("the sweep page's figure reads", () => {
  it("start as the page renders, so that the figures' requests find their answers, all three from one read", async () => {
    const specs: RunSpecInput[] = ["tanh", "relu"].map((activation) => ({
      dataset: { name: "moons", samples: 100 },
      model: { hidden: [4], activation, weightInit: "he_normal" },
      training: { epochs: 2 },
    }));
    const { prisma } = services.db;
    const { sweepId, runIds } = await createSweep(prisma, { name: "figures", spec: {}, runs: specs });
    for (const [i, id] of runIds.entries()) {
      const t = train(specs[i]!);
      await startRun(prisma, id, { workerId: "w", device: "cpu", layers: t.layers, attempt: 1 });
      await appendEpochs(prisma, id, 1, t.epochs);
      await finishRun(prisma, id, 1, t.summary, t.epochs.at(-1)!);
    }
    await refreshSweepStatus(prisma, runIds);
    const client = counting(prisma);
    const urls = startFigureReads(client.prisma, sweepId, { importance: "valAccuracy", spreadBy: "activation" });
    expect(urls).toEqual([
      `/api/sweeps/${sweepId}/columns`,
      `/api/sweeps/${sweepId}/importance?metric=valAccuracy`,
      `/api/sweeps/${sweepId}/slices?metric=valLoss&by=activation`,
    ]);
    // The read has started before anything asks for an answer.
    await vi.waitFor(() => expect(client.queries()).toBe(1));
    const [columns, importance, slices] = await Promise.all([
      columnsAnswer(client.prisma, sweepId),
      importanceAnswer(client.prisma, sweepId, "valAccuracy"),
      slicesAnswer(client.prisma, sweepId, "valLoss", "activation"),
    ]);
    expect(client.queries()).toBe(1);
    expect((JSON.parse(columns) as { activation: { levels: string[] } }).activation.levels.sort()).toEqual(["relu", "tanh"]);
    expect(JSON.parse(importance)).toHaveProperty("importance");
    expect((JSON.parse(slices) as { slices: unknown[] }).slices).toEqual([]);
    // Asked again, later: kept under the completed sweep's stamp, read no more.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await columnsAnswer(client.prisma, sweepId)).toBe(columns);
    expect(client.queries()).toBe(1);
  });
});
