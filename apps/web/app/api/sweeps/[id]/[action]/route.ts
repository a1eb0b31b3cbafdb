import { cancelSweep, pauseSweep, resumeSweep, retryFailedRuns } from "@gradtrace/control";
import type { SweepAction } from "@gradtrace/core";
import { getSweep } from "@gradtrace/db";
import { actor } from "../../../../../lib/access.ts";
import { handle, HttpError, json, uuidParam } from "../../../../../lib/http.ts";
import { control } from "../../../../../lib/server.ts";
import { forgetSharedReads } from "../../../../../lib/shared-read.ts";

const ACTIONS = { cancel: cancelSweep, pause: pauseSweep, resume: resumeSweep, retry: retryFailedRuns } as const satisfies Record<SweepAction, unknown>;

/** POST /api/sweeps/:id/{cancel,pause,resume,retry} — steers a sweep; answers with the sweep after the action. */
export function POST(request: Request, { params }: { params: Promise<{ id: string; action: string }> }): Promise<Response> {
  return handle(async () => {
    const { id, action } = await params;
    if (!Object.hasOwn(ACTIONS, action)) throw new HttpError(404, `no sweep action '${action}'; actions: ${Object.keys(ACTIONS).join(", ")}`);
    const sweepId = uuidParam(id, "sweep");
    const c = control();
    await ACTIONS[action as keyof typeof ACTIONS](c, sweepId, await actor(request));
    forgetSharedReads();
    return json(await getSweep(c.prisma, sweepId));
  });
}
