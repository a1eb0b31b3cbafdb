import { columnsAnswer } from "../../../../../lib/figure-answers.ts";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { jsonText } from "../../../../../lib/shared-read.ts";

/** GET /api/sweeps/:id/columns — every run of the sweep as columns: `{ status: {levels, codes}, activation: {levels, codes}, …, valLoss: [...], … }`, one order. */
export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => jsonText(await columnsAnswer(control().prisma, uuidParam((await params).id, "sweep"))));
}
