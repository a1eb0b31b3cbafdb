import { handle, HttpError, intParam, uuidParam } from "../../../lib/http.ts";
import { compareData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";
import { sharedJson } from "../../../lib/shared-read.ts";

/** GET /api/compare?runs=ID,ID,…&buckets=N — several runs side by side: their axes, series and first and last epochs (1–50 runs). */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const ids = (url.searchParams.get("runs") ?? "").split(",").filter(Boolean);
    if (ids.length < 1 || ids.length > 50) throw new HttpError(400, `runs must list 1 to 50 run ids separated by commas, got ${ids.length}`);
    ids.forEach((id) => uuidParam(id, "run"));
    const buckets = intParam(url, "buckets", 200, 1, 10_000);
    return sharedJson(request, () => compareData(control().prisma, ids, buckets));
  });
}
