import { parseWith } from "@gradtrace/core";
import { GRID_METRIC_NAMES, type GridMetric } from "@gradtrace/db";
import { importanceAnswer } from "../../../../../lib/figure-answers.ts";
import { z } from "zod";
import { handle, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { jsonText } from "../../../../../lib/shared-read.ts";

const QuerySchema = z.strictObject({ metric: z.enum(GRID_METRIC_NAMES as [GridMetric, ...GridMetric[]]).default("valLoss") });

/**
 * GET /api/sweeps/:id/importance?metric=valLoss — how much of the final metric's variance each
 * swept setting and each pair explains (functional ANOVA over the completed runs; per term also
 * its mean ± std over seeds): `{ importance }`, null while it cannot be computed (under two cells
 * with a value, or a metric that does not vary).
 */
export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "sweep");
    const { metric } = parseWith(QuerySchema, Object.fromEntries(new URL(request.url).searchParams), "importance query");
    const { prisma } = control();
    return jsonText(await importanceAnswer(prisma, id, metric));
  });
}
