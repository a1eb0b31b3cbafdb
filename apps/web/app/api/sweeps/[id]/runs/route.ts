import { getSweep, sweepRunTable, sweepRunTableJson } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { runTableCsv, runTableQuery } from "../../../../../lib/run-table.ts";
import { control } from "../../../../../lib/server.ts";
import { sharedText } from "../../../../../lib/shared-read.ts";

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
    if (format === "csv") {
      const table = await sweepRunTable(prisma, id, query);
      if (table.total === 0) await getSweep(prisma, id);
      return new Response(runTableCsv(table.runs), {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="sweep-${id}-runs.csv"` },
      });
    }
    // As JSON, Postgres builds the answer and it goes out as it is, shared by requests for the same page.
    return sharedText(request, async () => {
      const page = await sweepRunTableJson(prisma, id, query);
      if (page.total === 0) await getSweep(prisma, id);
      return `{"runs":${page.json},"total":${page.total},"offset":${query.offset},"limit":${query.limit}}`;
    });
  });
}
