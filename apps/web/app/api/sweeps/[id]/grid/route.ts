import { sweepGrid } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { sharedJson, sweepStamp } from "../../../../../lib/shared-read.ts";

/** GET /api/sweeps/:id/grid — final metrics per activation × initializer × depth, mean ± std over seeds. */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    return sharedJson(request, async () => ({ cells: await sweepGrid(prisma, id) }), await sweepStamp(prisma, id));
  });
}
