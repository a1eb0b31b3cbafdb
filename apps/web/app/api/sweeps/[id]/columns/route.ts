import { columnsText } from "@gradtrace/db";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { sharedOutcomes, sharedText, sweepStamp } from "../../../../../lib/shared-read.ts";

/** GET /api/sweeps/:id/columns — every run of the sweep as columns: `{ status: [...], activation: [...], …, valLoss: [...], … }`, one order. */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    return sharedText(request, async () => columnsText(await sharedOutcomes(prisma, id)), await sweepStamp(prisma, id));
  });
}
