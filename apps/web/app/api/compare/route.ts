import { handle, intParam, runIdsParam } from "../../../lib/http.ts";
import { compareData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";
import { sharedJson } from "../../../lib/shared-read.ts";

/** GET /api/compare?runs=ID,ID,…&buckets=N — several runs side by side: their axes, series and first and last epochs (1–50 runs). */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const ids = runIdsParam(url);
    const buckets = intParam(url, "buckets", 200, 1, 10_000);
    return sharedJson(request, () => compareData(control().prisma, ids, buckets));
  });
}
