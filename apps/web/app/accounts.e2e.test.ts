import { randomBytes } from "node:crypto";
import { addUser, createAccounts } from "@gradtrace/control";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { createMemoryLogger } from "@gradtrace/log";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPrerequisites, freePort, launchBrowser, NEXT, processes, REDIS_URL, WEB } from "./e2e-support.ts";

// A dashboard with accounts, in a real browser against the production build: log in, launch,
// log out; a viewer cannot launch.
const { start, waitFor, stopAll } = processes();
const password = "correct horse battery";
const prefix = `gt-e2e-auth-${randomBytes(4).toString("hex")}`;

let db: TestDatabase;
let browser: Browser;
let page: Page;
let base = "";

beforeAll(async () => {
  checkPrerequisites();
  db = await createTestDatabase("web_e2e_accounts");
  const secret = randomBytes(32).toString("hex");
  const accounts = createAccounts({ prisma: db.prisma, secret, logger: createMemoryLogger("test").logger });
  await addUser(accounts, db.prisma, { email: "editor@lab.example", password, role: "editor" });
  await addUser(accounts, db.prisma, { email: "viewer@lab.example", password, role: "viewer" });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const web = start(
    NEXT,
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    {
      REDIS_URL,
      GRADTRACE_QUEUE_PREFIX: prefix,
      DATABASE_URL: db.schemaUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      GRADTRACE_AUTH: "accounts",
      GRADTRACE_AUTH_SECRET: secret,
    },
    WEB,
  );
  await waitFor(() => /Ready/.test(web.output()), 60_000, "the dashboard");
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  stopAll();
  await db?.drop();
});

async function logIn(email: string, headedFor: string): Promise<void> {
  await page.goto(`${base}${headedFor}`);
  await page.waitForURL(`${base}/login?next=${encodeURIComponent(headedFor)}`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}${headedFor}`);
  await expect.poll(() => page.locator("[data-testid=account]").textContent()).toContain(email);
}

/** Pastes a spec into the new-sweep form, applies it and presses Launch once the form has counted its runs. */
async function launchFromForm(spec: typeof SPEC): Promise<void> {
  await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 30_000 }).not.toBe("–");
  await page.fill("#json", JSON.stringify(spec));
  await page.click("text=Apply JSON");
  await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("1");
  await page.click("text=Launch sweep");
}

const SPEC = {
  name: "launched after login",
  axes: { activations: [{ name: "tanh" }], initializers: [{ name: "xavier_normal" }], depths: [2], widths: [8], learningRates: [0.1], seeds: [0] },
  fixed: { epochs: 2, batchSize: 32 },
};

describe("a dashboard with accounts, in a browser", () => {
  it("sends a visitor to the login page, refuses a wrong password, logs an editor in, launches, logs out", async () => {
    page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login?next=%2F`);
    await page.fill("input[name=email]", "editor@lab.example");
    await page.fill("input[name=password]", "not the password");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("form.login [role=alert]").textContent()).toBe("wrong email or password");

    await logIn("editor@lab.example", "/sweeps/new");
    expect(await page.locator("[data-testid=account]").textContent()).toContain("(editor)");
    await launchFromForm(SPEC);
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator("[data-testid=sweep-launched-by]").textContent()).toContain("editor@lab.example");
    expect(await db.prisma.sweep.count({ where: { launchedBy: { email: "editor@lab.example" } } })).toBe(1);

    await page.click("[data-testid=account] button");
    await page.waitForURL(`${base}/login`);
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login?next=%2F`);
    expect((await page.request.get(`${base}/api/sweeps`)).status()).toBe(401);
    await page.close();
  });

  it("lets a viewer read the sweep but not launch one: the form says why and nothing is stored", async () => {
    page = await browser.newPage();
    await logIn("viewer@lab.example", "/sweeps/new");
    await launchFromForm({ ...SPEC, name: "a viewer's" });
    await expect
      .poll(() => page.locator("[data-testid=launch-error]").textContent())
      .toMatch(/^viewer@lab\.example is a viewer: launching.*needs the editor role/);
    expect(await db.prisma.sweep.count()).toBe(1);
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByText("launched after login").count()).toBeGreaterThan(0);
    await page.close();
  });
});
