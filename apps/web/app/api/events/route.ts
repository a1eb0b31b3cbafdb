import { toWire } from "@gradtrace/core";
import { getSweep } from "@gradtrace/db";
import { handle, uuidParam } from "../../../lib/http.ts";
import { onProgress } from "../../../lib/live.ts";
import { log } from "../../../lib/log.ts";
import { describeError } from "@gradtrace/log";
import { overviewData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";

export const dynamic = "force-dynamic";

/**
 * GET /api/events[?sweep=ID] — Server-Sent Events: `progress` for each run's per-epoch summary as
 * workers publish it (of one sweep, or all), and every second `sweep` (its status and run counts)
 * or, without a sweep, `overview` (sweeps, workers and queue depth).
 */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const raw = new URL(request.url).searchParams.get("sweep");
    const sweepId = raw === null ? null : uuidParam(raw, "sweep");
    const c = control();
    if (sweepId) await getSweep(c.prisma, sweepId);
    const encoder = new TextEncoder();
    let stop = () => undefined as void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(toWire(data))}\n\n`));
        const unsubscribe = onProgress((p) => (sweepId === null || p.sweepId === sweepId) && send("progress", p));
        const tick = async () => {
          if (sweepId) {
            const { status, runs, epochsTrained } = await getSweep(c.prisma, sweepId);
            send("sweep", { id: sweepId, status, runs, epochsTrained });
          } else {
            send("overview", await overviewData(c));
          }
        };
        const timer = setInterval(() => void tick().catch((err: unknown) => log.warn({ err, sweepId }, `events: ${describeError(err)}`)), 1000);
        void tick().catch(() => undefined);
        stop = () => {
          clearInterval(timer);
          unsubscribe();
        };
        request.signal.addEventListener("abort", () => {
          stop();
          controller.close();
        });
      },
      cancel: () => stop(),
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive" } });
  });
}
