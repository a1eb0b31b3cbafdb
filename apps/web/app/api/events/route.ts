import { toWire } from "@gradtrace/core";
import { getRunRow, getSweep, runState } from "@gradtrace/db";
import { watch } from "../../../lib/feed.ts";
import { handle, HttpError, uuidParam } from "../../../lib/http.ts";
import { onProgress } from "../../../lib/live.ts";
import { overviewData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";

export const dynamic = "force-dynamic";

/** How often an idle stream says it is alive, so proxies and browsers keep it open (ms). */
const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/events[?sweep=ID | ?run=ID] — Server-Sent Events. With a sweep: `progress` for each of
 * its runs' epochs as workers publish them, and `sweep` (status, run counts by status, epochs
 * trained) whenever it changes; with a run: its `progress` and `run` (status, attempt, epochs
 * recorded) whenever it changes; with neither: `overview` (sweeps, workers, queue depth). Each
 * topic is read once a second per server process however many pages watch it (lib/feed.ts), and
 * sent only when it changed; a comment every 15 s keeps an idle stream open.
 */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const params = new URL(request.url).searchParams;
    const [rawSweep, rawRun] = [params.get("sweep"), params.get("run")];
    if (rawSweep !== null && rawRun !== null) throw new HttpError(400, "ask for a sweep or a run, not both");
    const sweepId = rawSweep === null ? null : uuidParam(rawSweep, "sweep");
    const runId = rawRun === null ? null : uuidParam(rawRun, "run");
    const c = control();
    // An unknown id is a 404 now, not a stream that never says anything.
    if (sweepId) await getSweep(c.prisma, sweepId);
    if (runId) await getRunRow(c.prisma, runId);
    const encoder = new TextEncoder();
    let stop = () => undefined as void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const write = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop(); // the client has gone
          }
        };
        const send = (event: string, json: string) => write(`event: ${event}\ndata: ${json}\n\n`);
        const unsubscribes = [
          sweepId
            ? watch(
                `sweep:${sweepId}`,
                async () => {
                  const { status, runs, epochsTrained } = await getSweep(c.prisma, sweepId);
                  return { id: sweepId, status, runs, epochsTrained };
                },
                (json) => send("sweep", json),
              )
            : runId
              ? watch(
                  `run:${runId}`,
                  async () => ({ id: runId, ...(await runState(c.prisma, runId)) }),
                  (json) => send("run", json),
                )
              : watch(
                  "overview",
                  () => overviewData(c),
                  (json) => send("overview", json),
                ),
        ];
        if (sweepId || runId) {
          unsubscribes.push(onProgress((p) => (p.sweepId === sweepId || p.runId === runId) && send("progress", JSON.stringify(toWire(p)))));
        }
        const keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
        stop = () => {
          clearInterval(keepAlive);
          for (const u of unsubscribes.splice(0)) u();
        };
        request.signal.addEventListener("abort", () => {
          stop();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel: () => stop(),
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive" } });
  });
}
