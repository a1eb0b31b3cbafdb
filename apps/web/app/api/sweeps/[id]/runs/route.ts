import { getSweep, sweepRunTableJson } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";

/** GET /api/sweeps/:id/runs — every run of the sweep: its axes, status, final metrics and diagnoses. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    // Postgres builds the JSON; it goes out as it is.
    const runs = await sweepRunTableJson(prisma, id);
    if (runs === "[]") await getSweep(prisma, id);
    return new Response(`{"runs":${runs}}`, { headers: { "content-type": "application/json" } });
  });
}
