import { NextResponse, type NextRequest } from "next/server";
import { guardSettings, refusal } from "./lib/guard.ts";
import { host } from "./lib/host.ts";

/** Refuses, before any page or route runs, what lib/guard.ts refuses: foreign hosts, cross-site changes, bodies not JSON or too large. */
export function proxy(request: NextRequest): NextResponse {
  const refused = refusal(request, guardSettings(), host()?.address);
  return refused ? NextResponse.json({ error: refused.error }, { status: refused.status }) : NextResponse.next();
}
