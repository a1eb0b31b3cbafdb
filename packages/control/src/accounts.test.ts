import { createMemoryLogger } from "@gradtrace/log";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addUser,
  auditLog,
  createAccounts,
  createToken,
  CredentialsError,
  identify,
  listTokens,
  removeUser,
  revokeToken,
  setRole,
  TOKEN_PREFIX,
  type Accounts,
} from "./accounts.ts";

let db: TestDatabase;
let accounts: Accounts;
const { logger, lines } = createMemoryLogger("test");
const base = "http://127.0.0.1:3000/api/auth";
const password = "correct horse battery";

beforeAll(async () => {
  db = await createTestDatabase("accounts");
  accounts = createAccounts({ prisma: db.prisma, secret: "s".repeat(40), logger });
});
afterAll(async () => {
  await db.drop();
});

const post = (path: string, body: unknown) =>
  accounts.handler(
    new Request(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://127.0.0.1:3000" },
      body: JSON.stringify(body),
    }),
  );

/** Logs in through the HTTP handler as a browser would; returns the session cookie. */
async function logIn(email: string, pass = password): Promise<string> {
  const response = await post("/sign-in/email", { email, password: pass });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("gradtrace.session_token="));
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  return cookie!.split(";")[0]!;
}

describe("accounts", () => {
  it("stores a password's hash, logs in with it, and names the user and role from the session cookie", async () => {
    await addUser(accounts, db.prisma, { email: "Ada@Lab.example", password, role: "editor" });
    const stored = await db.prisma.account.findFirstOrThrow({ where: { user: { email: "ada@lab.example" } } });
    expect(stored.password).not.toContain(password);
    expect(stored.password!.length).toBeGreaterThan(64);
    const cookie = await logIn("ada@lab.example");
    const who = await identify(accounts, db.prisma, new Headers({ cookie }));
    expect(who).toMatchObject({ name: "ada@lab.example", role: "editor" });
    expect((await auditLog(db.prisma, 5)).map((e) => e.action)).toContain("login");
  });

  it("refuses a wrong password, a short one, a second account for one email, and sign-up over HTTP", async () => {
    expect((await post("/sign-in/email", { email: "ada@lab.example", password: "wrong password!" })).status).toBe(401);
    await expect(addUser(accounts, db.prisma, { email: "bob@lab.example", password: "short", role: "viewer" })).rejects.toThrow(/12/);
    await expect(addUser(accounts, db.prisma, { email: "ADA@lab.example", password, role: "viewer" })).rejects.toThrow(/already exists/);
    expect((await post("/sign-up/email", { email: "eve@evil.example", password, name: "eve" })).status).toBe(404);
    expect(await db.prisma.user.count({ where: { email: "eve@evil.example" } })).toBe(0);
  });

  it("sees a role change at the next request, and no session once the account is removed", async () => {
    await addUser(accounts, db.prisma, { email: "cy@lab.example", password, role: "viewer" });
    const cookie = await logIn("cy@lab.example");
    await setRole(db.prisma, "cy@lab.example", "admin");
    expect(await identify(accounts, db.prisma, new Headers({ cookie }))).toMatchObject({ role: "admin" });
    await removeUser(db.prisma, "cy@lab.example");
    expect(await identify(accounts, db.prisma, new Headers({ cookie }))).toBeUndefined();
    expect(await identify(accounts, db.prisma, new Headers())).toBeUndefined();
  });

  it("makes API tokens that name their user, stores only their hash, and refuses them once revoked", async () => {
    const { id, token } = await createToken(accounts, db.prisma, "ada@lab.example", "ci");
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(await db.prisma.apikey.count({ where: { key: token } })).toBe(0);
    const bearer = new Headers({ authorization: `Bearer ${token}` });
    expect(await identify(accounts, db.prisma, bearer)).toMatchObject({ name: "ada@lab.example", role: "editor" });
    // Scripts poll: the plugin's default of 10 requests a day must not apply.
    for (let i = 0; i < 12; i++) expect(await identify(accounts, db.prisma, bearer)).toBeDefined();
    expect((await listTokens(db.prisma, "ada@lab.example")).map((t) => t.id)).toEqual([id]);
    await revokeToken(db.prisma, id);
    await expect(identify(accounts, db.prisma, bearer)).rejects.toBeInstanceOf(CredentialsError);
    await expect(identify(accounts, db.prisma, new Headers({ authorization: "Bearer gt_made_up" }))).rejects.toThrow(/not valid/);
    // A refused token is the caller's mistake: no error in the server's log.
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it("records who made accounts and tokens in the audit log", async () => {
    const actions = (await auditLog(db.prisma, 50)).map((e) => `${e.action} ${e.target ?? ""}`);
    expect(actions).toEqual(
      expect.arrayContaining(["user.add ada@lab.example", "user.role cy@lab.example", "user.remove cy@lab.example", "token.create ada@lab.example"]),
    );
  });
});
