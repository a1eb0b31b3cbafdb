import "server-only";
import { parseWith } from "@gradtrace/core";
import type { PrismaClient } from "@gradtrace/db";
import type { z } from "zod";
import { handle, json, jsonBody, uuidParam } from "./http.ts";
import { control } from "./server.ts";
import { forgetSharedReads, sharedJson } from "./shared-read.ts";

type Params = { params: Promise<{ id: string }> };

/**
 * GET and PATCH of a thing with notes and tags (a sweep, a run): GET answers `read` (shared, see
 * sharedJson); PATCH validates the change with `schema`, stores it with `annotate`, forgets the
 * shared reads and answers as GET does.
 */
export function annotatedRoutes<C>(
  what: "sweep" | "run",
  read: (prisma: PrismaClient, id: string) => Promise<unknown>,
  schema: z.ZodType<C>,
  annotate: (prisma: PrismaClient, id: string, change: C) => Promise<unknown>,
) {
  return {
    GET: (request: Request, { params }: Params): Promise<Response> =>
      handle(async () => {
        const id = uuidParam((await params).id, what);
        return sharedJson(request, () => read(control().prisma, id));
      }),
    PATCH: (request: Request, { params }: Params): Promise<Response> =>
      handle(async () => {
        const id = uuidParam((await params).id, what);
        const change = parseWith(schema, await jsonBody(request), `${what} notes`);
        const { prisma } = control();
        await annotate(prisma, id, change);
        forgetSharedReads();
        return json(await read(prisma, id));
      }),
  };
}
