import { getSweep, sweepGrid } from "@gradtrace/db";
import { handle, json, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";

/** GET /api/sweeps/:id/grid — final metrics per activation × initializer × depth, mean ± std over seeds. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    const cells = await sweepGrid(prisma, id);
    // No cells: an unknown sweep (404) or one with nothing completed yet.
    if (cells.length === 0) await getSweep(prisma, id);
    return json({ cells });
  });
}
