import { getRunRow } from "@gradtrace/db";
import { handle, json, uuidParam } from "../../../../lib/http.ts";
import { control } from "../../../../lib/server.ts";

/** GET /api/runs/:id — the run: RunSpec, axes, status, attempt, worker, final metrics, diagnoses with evidence, layers. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => json(await getRunRow(control().prisma, uuidParam((await params).id, "run"))));
}
