import { NextResponse, type NextRequest } from "next/server";
import { guardEnv, refusal, type GuardEnv } from "./lib/guard.ts";
import { host } from "./lib/host.ts";

let env: GuardEnv | undefined;

/** Refuses, before any page or route runs, what lib/guard.ts refuses: foreign hosts, cross-site changes, bodies not JSON or too large. */
export function proxy(request: NextRequest): NextResponse {
  env ??= guardEnv();
  const refused = refusal(request, env, host()?.address);
  return refused ? NextResponse.json({ error: refused.error }, { status: refused.status }) : NextResponse.next();
}
