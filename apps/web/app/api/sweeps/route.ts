import { submitSweep } from "@gradtrace/control";
import { parseWith, SpecError, type SpecIssue } from "@gradtrace/core";
import { z } from "zod";
import { bestRuns, listSweeps, recentLaunches } from "@gradtrace/db";
import { expandSweep, IdempotencyKeySchema, parseSweepSpec, runCount } from "@gradtrace/queue";
import { access, actor } from "../../../lib/access.ts";
import { handle, HttpError, intParam, json, jsonBody } from "../../../lib/http.ts";
import { control } from "../../../lib/server.ts";
import { forgetSharedReads, sharedJson } from "../../../lib/shared-read.ts";

/** GET /api/sweeps?take=N&q=TEXT — sweeps, newest first (those whose name or notes hold TEXT or that carry it as a tag), with run counts by status and the best run so far. */
export function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const url = new URL(request.url);
    const take = intParam(url, "take", 100, 1, 1000);
    const text = parseWith(SearchTextSchema, url.searchParams.get("q") ?? undefined, "sweep search");
    const { prisma } = control();
    return sharedJson(request, async () => {
      const sweeps = await listSweeps(prisma, { take, text });
      const best = await bestRuns(
        prisma,
        sweeps.map((s) => s.id),
      );
      return { sweeps: sweeps.map((s) => ({ ...s, best: best.get(s.id) ?? null })) };
    });
  });
}

/** What the sweep list searches for: a piece of a name or notes, or a tag. */
const SearchTextSchema = z.string().max(200, "at most 200 characters").optional();

/** The Idempotency-Key header, when there is one (400 when it is not a key). */
function idempotencyKey(request: Request): string | undefined {
  const header = request.headers.get("idempotency-key");
  if (header === null) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw new HttpError(400, `the Idempotency-Key header: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** Issues that put a sweep beyond the documented limits: too many runs (413), too deep, wide or long (422). */
const TOO_MANY_RUNS = (i: SpecIssue) => i.path === "axes" && /at most \d+ are allowed/.test(i.message);
const TOO_BIG = (i: SpecIssue) => /^axes\.(depths|widths)\[\d+\]$|^fixed\.epochs$/.test(i.path) && i.code === "too_big";

/**
 * POST /api/sweeps — a sweep spec → 201 { sweepId, runs }; 400 lists each bad field. With
 * ?dryRun=1 it only validates and expands: 200 { runs } (the form's live run count). With an
 * Idempotency-Key header (or the spec's idempotencyKey) used before: 200 { sweepId, runs, replayed }.
 * The sweep records who launched it; a user past GRADTRACE_LAUNCHES_PER_MINUTE gets 429.
 */
export function POST(request: Request): Promise<Response> {
  return handle(async () => {
    const body = await jsonBody(request);
    try {
      if (new URL(request.url).searchParams.get("dryRun") === "1") {
        // Every run of a grid or sample is validated; a search's runs are its trials × seeds (its largest trial validated).
        const spec = parseSweepSpec(body);
        return json({ runs: spec.sampling.mode === "tpe" ? runCount(spec) : expandSweep(spec).length });
      }
      const by = await actor(request);
      const limit = access().launchesPerMinute;
      if (by.id !== null && (await recentLaunches(control().prisma, by.id, 60)) >= limit) {
        throw new HttpError(
          429,
          `${by.name} launched ${limit} sweeps in the last minute, the most allowed (GRADTRACE_LAUNCHES_PER_MINUTE); try again in a minute`,
          undefined,
          { "retry-after": "60" },
        );
      }
      const created = await submitSweep(control(), body, { idempotencyKey: idempotencyKey(request), by });
      forgetSharedReads();
      return json(created, { status: created.replayed ? 200 : 201, headers: { location: `/api/sweeps/${created.sweepId}` } });
    } catch (error) {
      if (error instanceof SpecError && error.issues.some(TOO_MANY_RUNS)) throw new HttpError(413, error.message.split("\n")[0]!, error.issues);
      if (error instanceof SpecError && error.issues.every(TOO_BIG)) throw new HttpError(422, "the sweep is beyond the documented limits", error.issues);
      throw error;
    }
  });
}
