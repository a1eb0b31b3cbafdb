import { GRID_AXES, parseWith, type GridAxis } from "@gradtrace/core";
import { GRID_METRIC_NAMES, type GridMetric } from "@gradtrace/db";
import { slicesAnswer } from "../../../../../lib/figure-answers.ts";
import { z } from "zod";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { jsonText } from "../../../../../lib/shared-read.ts";

const QuerySchema = z.strictObject({
  metric: z.enum(GRID_METRIC_NAMES as [GridMetric, ...GridMetric[]]).default("valLoss"),
  by: z.enum(GRID_AXES as unknown as [GridAxis, ...GridAxis[]]).optional(),
});

/**
 * GET /api/sweeps/:id/slices?metric=valLoss&by=activation — the final metric against each setting
 * the sweep varies: at each level its spread over the completed runs (n, min, quartiles, max), per
 * level of the `by` setting when given: `{ slices }`.
 */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { metric, by } = parseWith(QuerySchema, Object.fromEntries(new URL(request.url).searchParams), "slices query");
    const { prisma } = control();
    return jsonText(await slicesAnswer(prisma, id, metric, by ?? "none"));
  });
}
