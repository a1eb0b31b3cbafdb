import { getSweep, sweepRunTable } from "@gradtrace/db";
import { handle, json, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";

/** GET /api/sweeps/:id/runs — every run of the sweep: its axes, status, final metrics and diagnoses. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    await getSweep(prisma, id);
    return json({ runs: await sweepRunTable(prisma, id) });
  });
}
