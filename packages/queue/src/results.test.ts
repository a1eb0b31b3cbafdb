import { randomUUID } from "node:crypto";
import { createMemoryLogger } from "@gradtrace/log";
import { describe, expect, it } from "vitest";
import { PAYLOAD_VERSION, type ResultMessage } from "./contracts.ts";
import { RESULT_JOB_OPTIONS } from "./producer.ts";
import { consumeResults, RESULT_MAX_STALLS } from "./results.ts";
import { TEST_REDIS_URL, testQueues } from "./test-queues.ts";

const { prefix, queues } = testQueues("worker");
const REDIS_URL = TEST_REDIS_URL;

/** Blocks the event loop, as a recorder swamped by a flood does: no lease is renewed meanwhile. */
const busy = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe("consuming results", () => {
  it(`hands a message that stalled twice back to the recorder instead of failing it (up to ${RESULT_MAX_STALLS} stalls)`, async () => {
    const runId = randomUUID();
    const deliveries: number[] = [];
    const { logger, lines } = createMemoryLogger("recorder");
    const consumer = await consumeResults({
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 1,
      logger,
      lockMs: 1000,
      stalledMs: 500,
      handle: async (message: ResultMessage) => {
        if (message.runId !== runId) return;
        deliveries.push(Date.now());
        // The first two deliveries hold the loop past the lease: each stalls.
        if (deliveries.length <= 2) busy(2500);
      },
    });
    try {
      await queues.results.add("failed", { v: PAYLOAD_VERSION, type: "failed", runId, attempt: 1, error: "x" }, RESULT_JOB_OPTIONS);
      const deadline = Date.now() + 30_000;
      while (deliveries.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(deliveries.length).toBeGreaterThanOrEqual(3);
      expect(await queues.results.getFailedCount()).toBe(0);
      expect(lines.filter((l) => String(l.msg).includes("refused"))).toEqual([]);
    } finally {
      await consumer.close();
    }
  });
});
