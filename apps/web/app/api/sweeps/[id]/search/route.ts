import { loadSweep } from "@gradtrace/control";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { searchData } from "../../../../../lib/pages.ts";
import { control } from "../../../../../lib/server.ts";
import { sharedJson } from "../../../../../lib/shared-read.ts";

/** GET /api/sweeps/:id/search — a TPE search's trials (settings, objective) and the best so far; `{ search: null }` for a grid or random sweep. */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    return sharedJson(request, async () => ({ search: await searchData(prisma, id, (await loadSweep(prisma, id)).spec) }));
  });
}
