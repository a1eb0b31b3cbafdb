import { apiKey } from "@better-auth/api-key";
import { humanMessage, ROLES, type RoleName } from "@gradtrace/core";
import type { PrismaClient } from "@gradtrace/db";
import { withSecretFiles, type Logger } from "@gradtrace/log";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { z } from "zod";

/** The prefix of every API token, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = "gt_";
/** The shortest password an account may have. */
export const MIN_PASSWORD_LENGTH = 12;

/** What accounts need: the database, the secret that signs session cookies, and where logs go. */
export interface AccountsOptions {
  prisma: PrismaClient;
  /** At least 32 characters; changing it logs everyone out. */
  secret: string;
  logger: Logger;
  /** Session cookies only over https (`Secure`); on when the dashboard is served over https. */
  secureCookies?: boolean;
}

function configure({ prisma, secret, logger, secureCookies }: AccountsOptions) {
  return betterAuth({
    appName: "gradtrace",
    basePath: "/api/auth",
    // Hosts are checked before a request gets here (apps/web/lib/guard.ts): links name the one asked.
    baseURL: { allowedHosts: ["*"], fallback: "http://localhost" },
    secret,
    database: prismaAdapter(prisma, { provider: "postgresql" }),
    emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH, autoSignIn: false },
    // Accounts are made by an admin (`gradtrace user add`), never by whoever reaches the page.
    disabledPaths: ["/sign-up/email"],
    user: { additionalFields: { role: { type: "string", input: false, defaultValue: "viewer" } } },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    // The request guard (apps/web/lib/guard.ts) has already refused foreign hosts and cross-site
    // origins, so the origin of the host the request names is the one to trust.
    trustedOrigins: (request) => (request ? [requestOrigin(request)] : []),
    advanced: { cookiePrefix: "gradtrace", useSecureCookies: secureCookies ?? false },
    plugins: [
      apiKey({
        defaultPrefix: TOKEN_PREFIX,
        // Tokens are for scripts that poll: the per-key limit (10 a day by default) would stop them.
        rateLimit: { enabled: false },
        keyExpiration: { defaultExpiresIn: null, minExpiresIn: 1, maxExpiresIn: 3650 },
      }),
    ],
    databaseHooks: {
      session: {
        create: {
          after: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } });
            await audit(prisma, { userId: session.userId, actor: user?.email ?? session.userId, action: "login" });
          },
        },
      },
    },
    telemetry: { enabled: false },
    logger: {
      log: (level, message) => {
        // A refused token is the caller's mistake (its 401 says so), not the server's error.
        if (level === "error" && !message.startsWith("Failed to validate API key")) logger.error(`accounts: ${message}`);
        else if (level === "warn") logger.warn(`accounts: ${message}`);
        else logger.debug(`accounts: ${message}`);
      },
    },
  });
}

/**
 * The origin a request was sent to, from its Host header (which the request guard has checked):
 * Next's request URL names 127.0.0.1 "localhost", where a browser on 127.0.0.1 has no cookie.
 */
export function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  return `${url.protocol}//${request.headers.get("host") ?? url.host}`;
}

/** better-auth configured for gradtrace: its HTTP handler serves /api/auth/*. */
export type Accounts = ReturnType<typeof configure>;

/** Accounts over `prisma`: password login, sessions in HttpOnly SameSite cookies, roles, API tokens. */
export function createAccounts(options: AccountsOptions): Accounts {
  if (options.secret.length < 32) throw new Error("the accounts secret must be at least 32 characters");
  return configure(options);
}

/**
 * How a dashboard admits requests: `local` (no login, everyone who reaches it is the one local
 * user — only for a dashboard listening on loopback) or `accounts` (log in, or send an API token).
 */
export const AUTH_MODES = ["local", "accounts"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Whether an address a server listens on is reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(address);
}

/**
 * The mode of a dashboard listening on `address`: the one asked for, else `local` on loopback and
 * `accounts` beyond it. Asking for `local` beyond loopback is refused: it would hand every
 * sweep to whoever can reach the address.
 */
export function authMode(requested: AuthMode | undefined, address: string): AuthMode {
  if (requested === "local" && !isLoopback(address)) {
    throw new Error(
      `GRADTRACE_AUTH=local is only for a dashboard that listens on loopback, and this one listens on ${address}: use accounts (make the first with gradtrace user add EMAIL --role admin), or HOST=127.0.0.1`,
    );
  }
  return requested ?? (isLoopback(address) ? "local" : "accounts");
}

/** How the dashboard admits requests, from the environment (the dashboard's server, or `gradtrace up` for the one it serves). */
export const AccessEnvSchema = z.object({
  /** `local` (no login; loopback only) or `accounts`; by default local on loopback, accounts beyond it. */
  GRADTRACE_AUTH: z.enum(AUTH_MODES).optional(),
  /** Signs session cookies (32+ characters, e.g. `openssl rand -hex 32`); needed with accounts. Or GRADTRACE_AUTH_SECRET_FILE. */
  GRADTRACE_AUTH_SECRET: z.string().min(32).optional(),
  /** `1` when users reach the dashboard over https (behind a TLS proxy): session cookies become `Secure`. */
  GRADTRACE_SECURE_COOKIES: z.enum(["0", "1"]).default("0"),
  /** The address the dashboard listens on (`npm start` passes it to next start). */
  HOST: z.string().default("127.0.0.1"),
  /** Sweeps one user may launch per minute (429 beyond). */
  GRADTRACE_LAUNCHES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
});

/** The dashboard's access settings, resolved. */
export type Access = { mode: "local"; launchesPerMinute: number } | { mode: "accounts"; secret: string; secureCookies: boolean; launchesPerMinute: number };

/**
 * Resolves access settings from `env` and the address listened on; a bad or missing value is named
 * with what is allowed. `keptSecret`: where a host keeps a secret of its own when the environment
 * gives none (`gradtrace up`: in its data directory).
 */
export function accessFrom(env: Readonly<Record<string, string | undefined>>, listening?: string, keptSecret?: () => string): Access {
  const parsed = AccessEnvSchema.safeParse(withSecretFiles(env, ["GRADTRACE_AUTH_SECRET"]), { error: humanMessage });
  if (!parsed.success) throw new Error(`invalid dashboard settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const e = parsed.data;
  const mode: AuthMode = authMode(e.GRADTRACE_AUTH, listening ?? e.HOST);
  if (mode === "local") return { mode, launchesPerMinute: e.GRADTRACE_LAUNCHES_PER_MINUTE };
  const secret = e.GRADTRACE_AUTH_SECRET ?? keptSecret?.();
  if (!secret)
    throw new Error(
      "a dashboard with accounts needs GRADTRACE_AUTH_SECRET (or GRADTRACE_AUTH_SECRET_FILE): 32+ random characters, e.g. from openssl rand -hex 32",
    );
  return { mode, secret, secureCookies: e.GRADTRACE_SECURE_COOKIES === "1", launchesPerMinute: e.GRADTRACE_LAUNCHES_PER_MINUTE };
}

/** Who a request acts as: a user with a role, or the one local user of a dashboard without accounts. */
export interface Principal {
  /** The user's id; null for the local user. */
  id: string | null;
  /** The user's email, or "local". */
  name: string;
  role: RoleName;
}

/** The local user of a loopback-only dashboard without accounts: it may do everything. */
export const LOCAL_PRINCIPAL: Principal = { id: null, name: "local", role: "admin" };

const RoleSchema = z.enum(ROLES);

/** Why a request's credentials were refused, in words. */
export class CredentialsError extends Error {}

/**
 * Who the request's credentials name: an API token (`Authorization: Bearer gt_…`) or a session
 * cookie; undefined when it carries neither. A token that is not valid (unknown, revoked, expired)
 * is a CredentialsError, not anonymity, so a script learns why.
 */
export async function identify(accounts: Accounts, prisma: PrismaClient, headers: Headers): Promise<Principal | undefined> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "")?.[1];
  if (bearer !== undefined) {
    const verified = await accounts.api.verifyApiKey({ body: { key: bearer } });
    if (!verified.valid || !verified.key) throw new CredentialsError(`the API token is not valid (${verified.error?.message ?? "unknown token"})`);
    const user = await prisma.user.findUnique({ where: { id: verified.key.referenceId }, select: { id: true, email: true, role: true } });
    if (!user) throw new CredentialsError("the API token's user no longer exists");
    return { id: user.id, name: user.email, role: user.role };
  }
  const session = await accounts.api.getSession({ headers });
  if (!session) return undefined;
  return { id: session.user.id, name: session.user.email, role: RoleSchema.parse(session.user.role) };
}

/** One entry of the audit log. */
export interface AuditEntry {
  userId: string | null;
  /** The user's email, "local" or "cli": who it was, kept when the user is deleted. */
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/** Appends to the audit log (launches, cancels, deletes, logins, accounts and tokens made). */
export async function audit(prisma: PrismaClient, entry: AuditEntry): Promise<void> {
  await prisma.auditEvent.create({
    data: {
      userId: entry.userId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      ...(entry.detail ? { detail: JSON.parse(JSON.stringify(entry.detail)) } : {}),
    },
  });
}

/** The audit log, newest first. */
export async function auditLog(prisma: PrismaClient, limit: number) {
  const rows = await prisma.auditEvent.findMany({ orderBy: { id: "desc" }, take: limit });
  return rows.map(({ id, at, actor, action, target, detail }) => ({ id: Number(id), at: at.toISOString(), actor, action, target, detail }));
}

/** A new account's fields; the password is hashed (scrypt) by better-auth and never stored. */
export const NewUserSchema = z.object({
  email: z.email(),
  name: z.string().min(1).max(200).optional(),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(256),
  role: RoleSchema,
});
export type NewUser = z.infer<typeof NewUserSchema>;

/** Makes an account (`gradtrace user add`); an email already used is refused. */
export async function addUser(accounts: Accounts, prisma: PrismaClient, input: NewUser, actor = "cli"): Promise<{ id: string; email: string; role: RoleName }> {
  const user = NewUserSchema.parse(input);
  const email = user.email.toLowerCase();
  if (await prisma.user.findUnique({ where: { email } })) throw new CredentialsError(`an account for ${email} already exists`);
  const made = await accounts.api.signUpEmail({ body: { email, password: user.password, name: user.name ?? email.split("@")[0]! } });
  await prisma.user.update({ where: { id: made.user.id }, data: { role: user.role } });
  await audit(prisma, { userId: null, actor, action: "user.add", target: email, detail: { role: user.role } });
  return { id: made.user.id, email, role: user.role };
}

/** Changes an account's role; its sessions see the new role at their next request. */
export async function setRole(prisma: PrismaClient, email: string, role: RoleName, actor = "cli"): Promise<void> {
  const updated = await prisma.user.updateMany({ where: { email: email.toLowerCase() }, data: { role } });
  if (updated.count === 0) throw new CredentialsError(`there is no account for ${email}`);
  await audit(prisma, { userId: null, actor, action: "user.role", target: email.toLowerCase(), detail: { role } });
}

/** Deletes an account with its sessions and tokens; its sweeps stay, launched by nobody. */
export async function removeUser(prisma: PrismaClient, email: string, actor = "cli"): Promise<void> {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } });
  if (!user) throw new CredentialsError(`there is no account for ${email}`);
  await prisma.$transaction([prisma.apikey.deleteMany({ where: { referenceId: user.id } }), prisma.user.delete({ where: { id: user.id } })]);
  await audit(prisma, { userId: null, actor, action: "user.remove", target: email.toLowerCase() });
}

/** Every account, oldest first. */
export async function listUsers(prisma: PrismaClient) {
  const users = await prisma.user.findMany({ orderBy: { createdAt: "asc" }, select: { email: true, name: true, role: true, createdAt: true } });
  return users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }));
}

/** How many accounts exist (none: the dashboard says how to make the first). */
export async function countUsers(prisma: PrismaClient): Promise<number> {
  return prisma.user.count();
}

/**
 * Makes an API token for a user (`gradtrace token create`): the token is returned once and only
 * its hash is stored. `days`: how long it is valid (never expires when absent).
 */
export async function createToken(
  accounts: Accounts,
  prisma: PrismaClient,
  email: string,
  name: string,
  days?: number,
  actor = "cli",
): Promise<{ id: string; token: string; expiresAt: string | null }> {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } });
  if (!user) throw new CredentialsError(`there is no account for ${email}`);
  const made = await accounts.api.createApiKey({ body: { userId: user.id, name, ...(days ? { expiresIn: Math.round(days * 86400) } : {}) } });
  await audit(prisma, { userId: null, actor, action: "token.create", target: email.toLowerCase(), detail: { id: made.id, name } });
  return { id: made.id, token: made.key, expiresAt: made.expiresAt ? new Date(made.expiresAt).toISOString() : null };
}

/** A user's tokens (never the tokens themselves: their first characters). */
export async function listTokens(prisma: PrismaClient, email: string) {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } });
  if (!user) throw new CredentialsError(`there is no account for ${email}`);
  const keys = await prisma.apikey.findMany({ where: { referenceId: user.id }, orderBy: { createdAt: "asc" } });
  return keys.map((k) => ({
    id: k.id,
    name: k.name,
    start: k.start,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    lastUsed: k.lastRequest?.toISOString() ?? null,
  }));
}

/** Revokes a token by its id. */
export async function revokeToken(prisma: PrismaClient, id: string, actor = "cli"): Promise<void> {
  const deleted = await prisma.apikey.deleteMany({ where: { id } });
  if (deleted.count === 0) throw new CredentialsError(`there is no token with id ${id}`);
  await audit(prisma, { userId: null, actor, action: "token.revoke", target: id });
}
