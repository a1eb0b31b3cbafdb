import { NextResponse, type NextRequest } from "next/server";
import { gate } from "./lib/access.ts";
import { guardSettings, refusal } from "./lib/guard.ts";
import { host } from "./lib/host.ts";

/**
 * Runs before any page or route: refuses what lib/guard.ts refuses (foreign hosts, cross-site
 * changes, bodies not JSON or too large), then, with accounts, what lib/access.ts refuses (no
 * login or token, a role short of the request).
 */
export async function proxy(request: NextRequest): Promise<Response> {
  const refused = refusal(request, guardSettings(), host()?.address);
  if (refused) return NextResponse.json({ error: refused.error }, { status: refused.status });
  return (await gate(request)) ?? NextResponse.next();
}
