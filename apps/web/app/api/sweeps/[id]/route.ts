import { handle, json, uuidParam } from "../../../../lib/http.ts";
import { sweepHeader } from "../../../../lib/pages.ts";
import { control } from "../../../../lib/server.ts";

/** GET /api/sweeps/:id — the sweep: name, status, spec and its runs counted by status. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => json(await sweepHeader(control().prisma, uuidParam((await params).id, "sweep"))));
}
