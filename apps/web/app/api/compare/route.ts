import { handle, HttpError, intParam, json, uuidParam } from "../../../lib/http.ts";
import { compareData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";

/** GET /api/compare?runs=ID,ID,…&buckets=N — several runs side by side: their axes, series and first and last epochs (1–50 runs). */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const ids = (url.searchParams.get("runs") ?? "").split(",").filter(Boolean);
    if (ids.length < 1 || ids.length > 50) throw new HttpError(400, `runs must list 1 to 50 run ids separated by commas, got ${ids.length}`);
    ids.forEach((id) => uuidParam(id, "run"));
    return json(await compareData(control().prisma, ids, intParam(url, "buckets", 200, 1, 10_000)));
  });
}
