import { loadSweep } from "@gradtrace/control";
import { handle, json, uuidParam } from "../../../../../lib/http.ts";
import { searchData } from "../../../../../lib/pages.ts";
import { control } from "../../../../../lib/server.ts";

/** GET /api/sweeps/:id/search — a TPE search's trials (settings, objective) and the best so far; `{ search: null }` for a grid or random sweep. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { prisma } = control();
    return json({ search: await searchData(prisma, id, (await loadSweep(prisma, id)).spec) });
  });
}
