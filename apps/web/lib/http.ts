import "server-only";
import { describeError } from "@gradtrace/log";
import { log } from "./log.ts";
import { SpecError, toWire } from "@gradtrace/core";
import { NotFoundError } from "@gradtrace/db";
import { SubmitIncompleteError, SweepStateError } from "@gradtrace/control";
import { isQueueUnreachable } from "@gradtrace/queue";
import { guardSettings } from "./guard.ts";
import { z } from "zod";

/** An HTTP error with a JSON body: what went wrong, and for bad input each field with what was given and what is allowed. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: ReadonlyArray<{ path: string; message: string; received?: string }>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A JSON response; non-finite numbers (a diverged run's NaN losses) are spelled as strings. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(toWire(body), init);
}

/**
 * Runs a route handler, turning known errors into their status codes: bad input 400, unknown
 * ids 404, an action the state forbids 409 (routes raise others as HttpError). Anything else is a 500
 * that says only that something failed (the details go to the server log).
 */
export async function handle(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpError)
      return json(
        { error: error.message, ...(error.issues ? { issues: error.issues } : {}) },
        { status: error.status, ...(error.headers ? { headers: error.headers } : {}) },
      );
    if (error instanceof SpecError) return json({ error: error.message.split("\n")[0], issues: error.issues }, { status: 400 });
    if (error instanceof NotFoundError) return json({ error: error.message }, { status: 404 });
    if (error instanceof SweepStateError) return json({ error: error.message }, { status: 409 });
    if (error instanceof SubmitIncompleteError) {
      return json(
        { error: `${error.message} (POST /api/sweeps/${error.sweepId}/resume)`, sweepId: error.sweepId },
        { status: 503, headers: { "retry-after": "5", location: `/api/sweeps/${error.sweepId}` } },
      );
    }
    if (isQueueUnreachable(error)) {
      log.warn(`request refused while the queue is unreachable: ${describeError(error)}`);
      return json({ error: "the queue (Redis) cannot be reached; try again when it is back" }, { status: 503, headers: { "retry-after": "5" } });
    }
    log.error({ err: error }, `request failed: ${describeError(error)}`);
    return json({ error: "internal error; the server log has the details" }, { status: 500 });
  }
}

/** The `runs` parameter: 1 to 50 run ids separated by commas (400 otherwise). */
export function runIdsParam(url: URL): string[] {
  const ids = (url.searchParams.get("runs") ?? "").split(",").filter(Boolean);
  if (ids.length < 1 || ids.length > 50) throw new HttpError(400, `runs must list 1 to 50 run ids separated by commas, got ${ids.length}`);
  return ids.map((id) => uuidParam(id, "run"));
}

/** Reads a path id that must be a UUID (400 otherwise). */
export function uuidParam(value: string, what: string): string {
  if (!z.uuid().safeParse(value).success) throw new HttpError(400, `${what} '${value}' is not an id (a UUID)`);
  return value;
}

/** Reads a request's JSON body: 413 past GRADTRACE_MAX_BODY_BYTES (however it is sent), 400 when it is not JSON. */
export async function jsonBody(request: Request): Promise<unknown> {
  const limit = guardSettings().GRADTRACE_MAX_BODY_BYTES;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (let next = await reader?.read(); next && !next.done; next = await reader!.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader!.cancel();
      throw new HttpError(413, `the body is over ${limit} bytes, the most that is read (GRADTRACE_MAX_BODY_BYTES)`);
    }
    chunks.push(next.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the request body is not valid JSON");
  }
}

/** Reads an integer query parameter within [min, max], or its default (400 otherwise). */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}
