import { deleteSweep } from "@gradtrace/control";
import { annotateSweep } from "@gradtrace/db";
import { SweepAnnotationSchema } from "@gradtrace/queue";
import { actor } from "../../../../lib/access.ts";
import { annotatedRoutes } from "../../../../lib/annotated.ts";
import { handle, json, uuidParam } from "../../../../lib/http.ts";
import { sweepHeader } from "../../../../lib/pages.ts";
import { control } from "../../../../lib/server.ts";
import { forgetSharedReads } from "../../../../lib/shared-read.ts";

type Params = { params: Promise<{ id: string }> };
const routes = annotatedRoutes("sweep", sweepHeader, SweepAnnotationSchema, annotateSweep);

/** GET /api/sweeps/:id — the sweep: name, notes, tags, status, spec and its runs counted by status. */
export const GET = routes.GET;

/** PATCH /api/sweeps/:id — { name?, notes?, tags? }: renames the sweep or changes its notes or tags; answers the sweep as GET does. */
export const PATCH = routes.PATCH;

/**
 * DELETE /api/sweeps/:id — deletes the sweep with its runs and traces, whatever its status (open
 * runs are cancelled first, so workers stop them) → { deleted: { runs } }.
 */
export function DELETE(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const runs = await deleteSweep(control(), uuidParam((await params).id, "sweep"), await actor(request));
    forgetSharedReads();
    return json({ deleted: { runs } });
  });
}
