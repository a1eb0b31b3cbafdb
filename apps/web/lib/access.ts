import "server-only";
import {
  accessFrom,
  createAccounts,
  CredentialsError,
  identify,
  LOCAL_PRINCIPAL,
  requestOrigin,
  type Access,
  type Accounts,
  type Principal,
} from "@gradtrace/control";
import { roleAllows, type RoleName } from "@gradtrace/core/vocabulary";
import { getPrisma, type PrismaClient } from "@gradtrace/db";
import { host } from "./host.ts";
import { HttpError } from "./http.ts";
import { log } from "./log.ts";

// The proxy and the routes are bundled apart: the one settings object and the one better-auth
// instance per process live under registered symbols, as the host's hand-off does (host.ts).
const KEY = Symbol.for("gradtrace.access");
type Holder = { [KEY]?: { access: Access; accounts?: Accounts } };

function state(): { access: Access; accounts?: Accounts } {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= { access: host()?.access ?? accessFrom(process.env, host()?.address) });
}

/** This process's access settings (read once). */
export function access(): Access {
  return state().access;
}

/** The database accounts live in: the host's, or DATABASE_URL's. */
function accountsPrisma(): PrismaClient {
  return host()?.control.prisma ?? getPrisma();
}

/** The process's better-auth instance (only with accounts). */
export function accounts(): Accounts {
  const s = state();
  if (s.access.mode !== "accounts") throw new Error("this dashboard runs without accounts (GRADTRACE_AUTH=local)");
  s.accounts ??= createAccounts({ prisma: accountsPrisma(), secret: s.access.secret, secureCookies: s.access.secureCookies, logger: log });
  return s.accounts;
}

/** Paths served to anyone: the login page and its assets, and better-auth's own routes (sign-in answers for itself). */
function isPublic(pathname: string): boolean {
  return (
    pathname.startsWith("/api/auth/") || pathname === "/login" || pathname.startsWith("/_next/") || pathname === "/icon.svg" || pathname === "/favicon.ico"
  );
}

/** The role a request needs: reading needs a viewer (checking a spec with ?dryRun=1 is reading), the audit log an admin, every change an editor. */
export function neededRole(method: string, url: URL): RoleName {
  if (url.pathname === "/api/audit" || url.pathname.startsWith("/api/audit/")) return "admin";
  if (url.pathname === "/api/sweeps" && url.searchParams.get("dryRun") === "1") return "viewer";
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) ? "viewer" : "editor";
}

const WHAT_EDITORS_DO = "launching, steering, annotating and deleting sweeps";

/** Who a request acts as, or undefined when it carries no credentials (a CredentialsError when they are not valid). */
async function principalOf(headers: Headers): Promise<Principal | undefined> {
  if (access().mode === "local") return LOCAL_PRINCIPAL;
  return identify(accounts(), accountsPrisma(), headers);
}

/**
 * The gate every request passes (the proxy calls it): with accounts, a request without valid
 * credentials is answered 401 (the API) or sent to the login page (pages), one whose role is
 * short of what it asks 403; undefined lets it through.
 */
export async function gate(request: Request): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (access().mode === "local" || isPublic(url.pathname)) return undefined;
  const api = url.pathname.startsWith("/api/");
  let who: Principal | undefined;
  try {
    who = await principalOf(request.headers);
  } catch (error) {
    if (error instanceof CredentialsError) return Response.json({ error: error.message }, { status: 401 });
    throw error;
  }
  if (!who) {
    if (!api) {
      const login = new URL(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, requestOrigin(request));
      return Response.redirect(login, 303);
    }
    return Response.json(
      {
        error:
          "log in first: this dashboard has accounts (POST /api/auth/sign-in/email from the login page, or send Authorization: Bearer TOKEN from gradtrace token create)",
      },
      { status: 401, headers: { "www-authenticate": 'Bearer realm="gradtrace"' } },
    );
  }
  const needed = neededRole(request.method, url);
  if (roleAllows(who.role, needed)) return undefined;
  const error =
    needed === "editor"
      ? `${who.name} is a ${who.role}: ${WHAT_EDITORS_DO} needs the editor role (an admin gives it with gradtrace user role ${who.name} editor)`
      : `${who.name} is a ${who.role}: this needs the ${needed} role`;
  return Response.json({ error }, { status: 403 });
}

/** Who a route's request acts as (the local user without accounts); 401 without valid credentials, so a route never acts for nobody. */
export async function actor(request: Request): Promise<Principal> {
  try {
    const who = await principalOf(request.headers);
    if (who) return who;
  } catch (error) {
    if (error instanceof CredentialsError) throw new HttpError(401, error.message);
    throw error;
  }
  throw new HttpError(401, "log in first: this dashboard has accounts");
}

/** Who is looking at a page, for the header (undefined: nobody logged in, or no accounts). */
export async function viewer(headers: Headers): Promise<Principal | undefined> {
  if (access().mode === "local") return undefined;
  return principalOf(headers).catch(() => undefined);
}
