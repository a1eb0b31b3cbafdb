import { deleteSweep } from "@gradtrace/control";
import { parseWith } from "@gradtrace/core";
import { annotateSweep } from "@gradtrace/db";
import { SweepAnnotationSchema } from "@gradtrace/queue";
import { handle, json, jsonBody, uuidParam } from "../../../../lib/http.ts";
import { sweepHeader } from "../../../../lib/pages.ts";
import { control } from "../../../../lib/server.ts";
import { forgetSharedReads, sharedJson } from "../../../../lib/shared-read.ts";

type Params = { params: Promise<{ id: string }> };

/** GET /api/sweeps/:id — the sweep: name, notes, tags, status, spec and its runs counted by status. */
export function GET(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    return sharedJson(request, () => sweepHeader(control().prisma, id));
  });
}

/** PATCH /api/sweeps/:id — { name?, notes?, tags? }: renames the sweep or changes its notes or tags; answers the sweep as GET does. */
export function PATCH(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const change = parseWith(SweepAnnotationSchema, await jsonBody(request), "sweep notes");
    const { prisma } = control();
    await annotateSweep(prisma, id, change);
    forgetSharedReads();
    return json(await sweepHeader(prisma, id));
  });
}

/**
 * DELETE /api/sweeps/:id — deletes the sweep with its runs and traces, whatever its status (open
 * runs are cancelled first, so workers stop them) → { deleted: { runs } }.
 */
export function DELETE(_request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const runs = await deleteSweep(control(), uuidParam((await params).id, "sweep"));
    forgetSharedReads();
    return json({ deleted: { runs } });
  });
}
