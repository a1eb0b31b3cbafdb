import { getRun, getRunRow, thinRunTrace } from "@gradtrace/db";
import { handle, HttpError, intParam, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { sharedJson } from "../../../../../lib/shared-read.ts";
import { traceCsv } from "../../../../../lib/trace-csv.ts";

/**
 * GET /api/runs/:id/trace?buckets=N — the run's trace for charts: scalar series downsampled to at
 * most N buckets (min/max kept) and at most N traced epochs in full (the first and last always),
 * so a 1,000-epoch run costs what a 50-epoch one does. ?buckets=0 returns every epoch;
 * ?format=csv the whole trace as CSV.
 */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "run");
    const url = new URL(request.url);
    const buckets = intParam(url, "buckets", 200, 0, 10_000);
    const format = url.searchParams.get("format") ?? "json";
    if (format !== "json" && format !== "csv") throw new HttpError(400, `format must be json or csv, got '${format}'`);
    if (format === "csv")
      return new Response(traceCsv((await getRun(control().prisma, id)).epochs), { headers: { "content-type": "text/csv; charset=utf-8" } });
    return sharedJson(request, async () => {
      const [run, trace] = await Promise.all([getRunRow(control().prisma, id), thinRunTrace(control().prisma, id, buckets)]);
      return { id, layers: run.layers, ...trace };
    });
  });
}
