import { getRuns } from "@gradtrace/db";
import { handle, HttpError, intParam, json, uuidParam } from "../../../lib/http.ts";
import { control } from "../../../lib/server.ts";
import { thinTrace } from "../../../lib/thin-trace.ts";

/** GET /api/compare?runs=ID,ID,…&buckets=N — several runs side by side: their axes, series and last epoch (2–50 runs). */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const ids = (url.searchParams.get("runs") ?? "").split(",").filter(Boolean);
    if (ids.length < 1 || ids.length > 50) throw new HttpError(400, `runs must list 1 to 50 run ids separated by commas, got ${ids.length}`);
    ids.forEach((id) => uuidParam(id, "run"));
    const buckets = intParam(url, "buckets", 200, 1, 10_000);
    const stored = await getRuns(control().prisma, ids);
    return json({
      runs: stored.map(({ run, layers, epochs }) => {
        const thin = thinTrace(epochs, buckets);
        return {
          id: run.id,
          sweepId: run.sweepId,
          activation: run.activation,
          initializer: run.initializer,
          depth: run.depth,
          width: run.width,
          optimizer: run.optimizer,
          learningRate: run.learningRate,
          dataset: run.dataset,
          seed: run.seed,
          status: run.status,
          diagnosisKinds: run.diagnosisKinds,
          layers,
          series: thin.series,
          last: epochs.at(-1) ?? null,
          first: epochs[0] ?? null,
        };
      }),
    });
  });
}
