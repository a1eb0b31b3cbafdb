import { auditLog } from "@gradtrace/control";
import { handle, intParam, json } from "../../../lib/http.ts";
import { control } from "../../../lib/server.ts";

/** GET /api/audit?limit=N — the audit log, newest first: launches, steering, deletes, logins, accounts and tokens made (admins only). */
export function GET(request: Request): Promise<Response> {
  return handle(async () => json({ events: await auditLog(control().prisma, intParam(new URL(request.url), "limit", 100, 1, 1000)) }));
}
