import { parseWith } from "@gradtrace/core";
import { annotateRun, getRunRow } from "@gradtrace/db";
import { RunAnnotationSchema } from "@gradtrace/queue";
import { handle, json, jsonBody, uuidParam } from "../../../../lib/http.ts";
import { control } from "../../../../lib/server.ts";
import { forgetSharedReads, sharedJson } from "../../../../lib/shared-read.ts";

type Params = { params: Promise<{ id: string }> };

/** GET /api/runs/:id — the run: RunSpec, axes, status, attempt, worker, final metrics, diagnoses with evidence, layers, notes and tags. */
export function GET(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "run");
    return sharedJson(request, () => getRunRow(control().prisma, id));
  });
}

/** PATCH /api/runs/:id — { notes?, tags? }: changes the run's notes or tags; answers the run as GET does. */
export function PATCH(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const id = uuidParam((await params).id, "run");
    const change = parseWith(RunAnnotationSchema, await jsonBody(request), "run notes");
    const { prisma } = control();
    await annotateRun(prisma, id, change);
    forgetSharedReads();
    return json(await getRunRow(prisma, id));
  });
}
