import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessFrom, addUser, createToken, revokeToken } from "@gradtrace/control";
import fc from "fast-check";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as audit } from "../app/api/audit/route.ts";
import { GET as auth, POST as authPost } from "../app/api/auth/[...all]/route.ts";
import { POST as act } from "../app/api/sweeps/[id]/[action]/route.ts";
import { GET as sweep } from "../app/api/sweeps/[id]/route.ts";
import { GET as listSweeps, POST as createSweep } from "../app/api/sweeps/route.ts";
import { proxy } from "../proxy.ts";
import { accounts, neededRole } from "./access.ts";
import { control } from "./server.ts";
import { routeTestServices } from "./test-services.ts";

// This file's dashboard has accounts (on loopback, asked for explicitly).
const services = routeTestServices("web_access", { GRADTRACE_AUTH: "accounts", GRADTRACE_AUTH_SECRET: "x".repeat(48), GRADTRACE_LAUNCHES_PER_MINUTE: "3" });
const origin = "http://127.0.0.1:3000";
const password = "correct horse battery";

beforeAll(async () => {
  for (const [email, role] of [
    ["viewer@lab.example", "viewer"],
    ["editor@lab.example", "editor"],
    ["admin@lab.example", "admin"],
  ] as const) {
    await addUser(accounts(), control().prisma, { email, password, role });
  }
});

const spec = {
  name: "access test",
  axes: {
    activations: [{ name: "tanh" }],
    initializers: [{ name: "xavier_normal" }],
    depths: [2],
    widths: [8],
    learningRates: [0.1],
    datasets: [{ name: "moons", samples: 100 }],
    seeds: [0],
  },
  fixed: { epochs: 2 },
};
type Handler = (request: Request, context: { params: Promise<never> }) => Promise<Response>;
const params = (p: object) => ({ params: Promise.resolve(p) as Promise<never> });

/** A request as a browser on this dashboard (or a script) sends it, through the proxy and, when it lets it by, the route. */
async function send(handler: Handler, path: string, init: { method?: string; body?: unknown; cookie?: string; token?: string; context?: object } = {}) {
  const headers = new Headers({ host: "127.0.0.1:3000", origin });
  if (init.body !== undefined) headers.set("content-type", "application/json");
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const request = () =>
    new Request(`${origin}${path}`, { method: init.method ?? "GET", headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const gated = await proxy(new NextRequest(request()));
  const response = gated.headers.get("x-middleware-next") === "1" ? await handler(request(), params(init.context ?? {})) : gated;
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function logIn(email: string): Promise<string> {
  const signedIn = await send(authPost as Handler, "/api/auth/sign-in/email", { method: "POST", body: { email, password } });
  expect(signedIn.status).toBe(200);
  return signedIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
}

describe("access settings", () => {
  it("run without accounts on loopback and with them beyond it; refuse local mode beyond loopback and accounts without a secret", () => {
    expect(accessFrom({}).mode).toBe("local");
    expect(accessFrom({ HOST: "localhost" }).mode).toBe("local");
    expect(() => accessFrom({ HOST: "0.0.0.0" })).toThrow(/needs GRADTRACE_AUTH_SECRET/);
    expect(accessFrom({ HOST: "0.0.0.0", GRADTRACE_AUTH_SECRET: "s".repeat(32) }).mode).toBe("accounts");
    expect(() => accessFrom({ GRADTRACE_AUTH: "local" }, "10.0.0.5")).toThrow(/only for a dashboard that listens on loopback.*10\.0\.0\.5/);
    expect(() => accessFrom({ GRADTRACE_AUTH: "accounts", GRADTRACE_AUTH_SECRET: "short" })).toThrow(/GRADTRACE_AUTH_SECRET.*32/);
    const file = join(mkdtempSync(join(tmpdir(), "gt-secret-")), "secret");
    writeFileSync(file, `${"f".repeat(40)}\n`);
    expect(accessFrom({ GRADTRACE_AUTH: "accounts", GRADTRACE_AUTH_SECRET_FILE: file })).toMatchObject({ mode: "accounts", secret: "f".repeat(40) });
  });

  it("ask a viewer to read (and count a spec's runs), an editor to change anything, an admin for the audit log", () => {
    const at = (path: string) => new URL(path, origin);
    expect(neededRole("GET", at("/api/sweeps"))).toBe("viewer");
    expect(neededRole("POST", at("/api/sweeps?dryRun=1"))).toBe("viewer");
    expect(neededRole("POST", at("/api/sweeps"))).toBe("editor");
    expect(neededRole("POST", at("/api/sweeps?dryRun=0"))).toBe("editor");
    expect(neededRole("PATCH", at("/api/runs/x"))).toBe("editor");
    expect(neededRole("DELETE", at("/api/sweeps/x"))).toBe("editor");
    expect(neededRole("GET", at("/api/audit"))).toBe("admin");
  });
});

describe("a dashboard with accounts", () => {
  let sweepId = "";

  it("answers 401 to the API and sends pages to the login page without a login", async () => {
    const api = await send(listSweeps as Handler, "/api/sweeps");
    expect(api.status).toBe(401);
    expect(api.json.error).toMatch(/log in first/);
    const page = await send(listSweeps as Handler, "/sweeps/new?from=x");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(`${origin}/login?next=%2Fsweeps%2Fnew%3Ffrom%3Dx`);
    // Nobody is logged in: better-auth's own routes answer for themselves.
    expect((await send(auth as Handler, "/api/auth/get-session")).status).toBe(200);
    expect((await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec })).status).toBe(401);
    expect(await services.db.prisma.sweep.count()).toBe(0);
  });

  it("lets a viewer read but not launch", async () => {
    const cookie = await logIn("viewer@lab.example");
    expect((await send(listSweeps as Handler, "/api/sweeps", { cookie })).status).toBe(200);
    const refused = await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, cookie });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatch(/viewer@lab\.example is a viewer: launching.*needs the editor role/);
    expect(await services.db.prisma.sweep.count()).toBe(0);
  });

  it("lets an editor launch and cancel, recording who did in the sweep and the audit log", async () => {
    const cookie = await logIn("editor@lab.example");
    const created = await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, cookie });
    expect(created.status).toBe(201);
    sweepId = created.json.sweepId;
    expect((await send(sweep as Handler, `/api/sweeps/${sweepId}`, { cookie, context: { id: sweepId } })).json.launchedBy).toBe("editor@lab.example");
    expect(
      (await send(act as Handler, `/api/sweeps/${sweepId}/cancel`, { method: "POST", body: {}, cookie, context: { id: sweepId, action: "cancel" } })).status,
    ).toBe(200);
    expect((await send(audit as Handler, "/api/audit", { cookie })).status).toBe(403);
    const log = await send(audit as Handler, "/api/audit", { cookie: await logIn("admin@lab.example") });
    expect(log.status).toBe(200);
    const events = (log.json.events as Array<{ actor: string; action: string; target: string | null }>).map((e) =>
      `${e.actor} ${e.action} ${e.target ?? ""}`.trim(),
    );
    expect(events).toEqual(
      expect.arrayContaining([
        `editor@lab.example sweep.launch ${sweepId}`,
        `editor@lab.example sweep.cancel ${sweepId}`,
        "editor@lab.example login",
        "viewer@lab.example login",
      ]),
    );
  });

  it("takes an API token as a Bearer credential until it is revoked", async () => {
    const { id, token } = await createToken(accounts(), control().prisma, "editor@lab.example", "script");
    const launched = await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, token });
    expect(launched.status).toBe(201);
    await revokeToken(control().prisma, id);
    const refused = await send(listSweeps as Handler, "/api/sweeps", { token });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatch(/API token is not valid/);
  });

  it("limits launches per user and minute (429 with Retry-After), other users unaffected", async () => {
    const cookie = await logIn("editor@lab.example");
    expect((await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, cookie })).status).toBe(201);
    const limited = await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, cookie });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.json.error).toMatch(/launched 3 sweeps in the last minute/);
    expect((await send(createSweep as Handler, "/api/sweeps", { method: "POST", body: spec, cookie: await logIn("admin@lab.example") })).status).toBe(201);
  });

  it("never answers 5xx to fuzzed logins, tokens and cookies (fast-check)", async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.option(fc.string({ unit: "grapheme", maxLength: 40 })), async (body, password) => {
        const tried =
          typeof body === "object" && body !== null && !Array.isArray(body) && password !== null ? { ...body, email: "editor@lab.example", password } : body;
        const { status } = await send(authPost as Handler, "/api/auth/sign-in/email", { method: "POST", body: tried });
        statuses.add(status);
        return status < 500;
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), async (token, cookie) => {
        const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, "");
        const { status } = await send(listSweeps as Handler, "/api/sweeps", {
          token: printable(token) || "x",
          cookie: `gradtrace.session_token=${encodeURIComponent(cookie)}`,
        });
        statuses.add(status);
        return status === 401;
      }),
      { numRuns: 300 },
    );
    expect([...statuses].every((s) => s < 500)).toBe(true);
  });

  it("ends the session at logout, and a route reached without the proxy still acts for nobody", async () => {
    const cookie = await logIn("editor@lab.example");
    expect((await send(authPost as Handler, "/api/auth/sign-out", { method: "POST", body: {}, cookie })).status).toBe(200);
    expect((await send(listSweeps as Handler, "/api/sweeps", { cookie })).status).toBe(401);
    const direct = await createSweep(
      new Request(`${origin}/api/sweeps`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) }),
    );
    expect(direct.status).toBe(401);
  });
});
