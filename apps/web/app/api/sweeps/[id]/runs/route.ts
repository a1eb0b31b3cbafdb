import { getSweep, sweepRunTable, sweepRunTableJson } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { runTableCsv, runTableQuery } from "../../../../../lib/run-table.ts";
import { control } from "../../../../../lib/server.ts";

/**
 * GET /api/sweeps/:id/runs[?q=&status=&diagnosis=&sort=&dir=&offset=&limit=&format=] — the
 * sweep's runs (axes, status, final metrics, diagnoses) that match the filter, in the order asked:
 * a page as { runs, total, offset, limit }, or with format=csv every match as a CSV download.
 */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { query, format } = runTableQuery(new URL(request.url).searchParams);
    const { prisma } = control();
    // As JSON, Postgres builds the answer and it goes out as it is.
    const page = format === "csv" ? await sweepRunTable(prisma, id, query) : await sweepRunTableJson(prisma, id, query);
    if (page.total === 0) await getSweep(prisma, id);
    if ("runs" in page) {
      return new Response(runTableCsv(page.runs), {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="sweep-${id}-runs.csv"` },
      });
    }
    return new Response(`{"runs":${page.json},"total":${page.total},"offset":${query.offset},"limit":${query.limit}}`, {
      headers: { "content-type": "application/json" },
    });
  });
}
