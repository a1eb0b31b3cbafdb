import { getSweep } from "@gradtrace/db";
import { handle, json, uuidParam } from "../../../../lib/http.ts";
import { control } from "../../../../lib/server.ts";

/** GET /api/sweeps/:id — the sweep, its spec and its runs counted by status. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => json(await getSweep(control().prisma, uuidParam((await params).id, "sweep"))));
}
