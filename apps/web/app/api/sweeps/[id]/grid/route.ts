import { getSweep, sweepGrid } from "@gradtrace/db";
import { handle, json, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";

/** GET /api/sweeps/:id/grid — final metrics per activation × initializer × depth, mean ± std over seeds. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    await getSweep(prisma, id);
    return json({ cells: await sweepGrid(prisma, id) });
  });
}
