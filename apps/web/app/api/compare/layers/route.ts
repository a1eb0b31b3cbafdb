import { LAYER_METRICS, parseWith } from "@gradtrace/core";
import { z } from "zod";
import { handle, intParam, runIdsParam } from "../../../../lib/http.ts";
import { layerSeriesData, LayerPickSchema } from "../../../../lib/pages.ts";
import { control } from "../../../../lib/server.ts";
import { sharedJson } from "../../../../lib/shared-read.ts";

const QuerySchema = z.object({ metric: z.enum(LAYER_METRICS).default("gradNorm"), layer: LayerPickSchema.default("first") });

/**
 * GET /api/compare/layers?runs=ID,…&metric=gradNorm&layer=first|middle|last|output|N&buckets=200 —
 * one per-layer metric of up to 50 runs over the epochs, downsampled: for each run the layer named
 * in its own net (`layer` null where it has none).
 */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const ids = runIdsParam(url);
    const buckets = intParam(url, "buckets", 200, 1, 10_000);
    const { metric, layer } = parseWith(
      QuerySchema,
      { metric: url.searchParams.get("metric") ?? undefined, layer: url.searchParams.get("layer") ?? undefined },
      "layer comparison query",
    );
    return sharedJson(request, () => layerSeriesData(control().prisma, ids, metric, layer, buckets));
  });
}
