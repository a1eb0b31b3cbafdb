import { access, accounts } from "../../../../lib/access.ts";
import { handle, HttpError } from "../../../../lib/http.ts";

/** Hands /api/auth/* to better-auth, when the dashboard has accounts. */
function serve(request: Request): Promise<Response> {
  return handle(async () => {
    if (access().mode !== "accounts")
      throw new HttpError(404, "this dashboard runs without accounts (loopback only, GRADTRACE_AUTH=local): there is nothing to log in to");
    return accounts().handler(request);
  });
}

/** GET /api/auth/get-session and better-auth's other reads: the session of the cookie sent. */
export const GET = serve;

/** POST /api/auth/sign-in/email { email, password } sets the session cookie; POST /api/auth/sign-out ends it. Sign-up is off: accounts come from `gradtrace user add`. */
export const POST = serve;
