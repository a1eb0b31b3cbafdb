import { getSweep, sweepRunTableJson } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { runTableQuery } from "../../../../../lib/run-table.ts";
import { control } from "../../../../../lib/server.ts";

/**
 * GET /api/sweeps/:id/runs[?q=&status=&diagnosis=&sort=&dir=&offset=&limit=] — a page of the sweep's
 * runs (axes, status, final metrics, diagnoses) that match the filter, in the order asked, and how
 * many match in all: { runs, total, offset, limit }.
 */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const query = runTableQuery(new URL(request.url).searchParams);
    const { prisma } = control();
    // Postgres builds the JSON; it goes out as it is.
    const page = await sweepRunTableJson(prisma, id, query);
    if (page.total === 0) await getSweep(prisma, id);
    return new Response(`{"runs":${page.json},"total":${page.total},"offset":${query.offset},"limit":${query.limit}}`, { headers: { "content-type": "application/json" } });
  });
}
