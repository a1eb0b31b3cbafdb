import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAccounts, identify } from "@gradtrace/control";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { createMemoryLogger } from "@gradtrace/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cluster.ts";

let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase("cli_users");
  env = { DATABASE_URL: db.schemaUrl };
});
afterAll(async () => {
  await db.drop();
});

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("gradtrace user and token", () => {
  it("makes accounts with the password from stdin or a file, never from an argument; lists them and changes roles", () => {
    const added = runCli(["user", "add", "Ada@Lab.example", "--role", "admin"], env, "a long enough password\n");
    expect(added.stderr).toBe("");
    expect(lines(added.stdout)[0]).toMatchObject({ email: "ada@lab.example", role: "admin" });
    const file = join(mkdtempSync(join(tmpdir(), "gt-pw-")), "pw");
    writeFileSync(file, "another long password\n");
    expect(runCli(["user", "add", "bob@lab.example", "--role", "viewer", "--name", "Bob", "--password-file", file], env).status).toBe(0);
    expect(runCli(["user", "role", "bob@lab.example", "editor"], env).status).toBe(0);
    expect(lines(runCli(["user", "list"], env).stdout).map((u) => [u.email, u.role])).toEqual([
      ["ada@lab.example", "admin"],
      ["bob@lab.example", "editor"],
    ]);
  });

  it.each([
    [["user", "add", "c@lab.example", "--role", "boss"], "pw of enough length", /--role: a role is one of viewer, editor, admin, got 'boss'/],
    [["user", "add", "c@lab.example", "--role", "viewer"], "short\n", /at least 12 characters \(got 5\)/],
    [["user", "add", "ada@lab.example", "--role", "viewer"], "pw of enough length", /an account for ada@lab\.example already exists/],
    [["user", "add", "not-an-email", "--role", "viewer"], "pw of enough length", /email/],
    [["user", "role", "nobody@lab.example", "viewer"], "", /there is no account for nobody@lab\.example/],
    [["user", "fly"], "", /unknown action 'fly'; actions: add, list, role, remove/],
    [["token", "create", "ada@lab.example", "--days", "0"], "", /--days: expected a whole number from 1 to 3650/],
  ])("refuses %j with one line and exit status 2", (args, input, message) => {
    const result = runCli(args, env, input);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("makes a token that names its account, lists it without the token, and revokes it", async () => {
    const made = lines(runCli(["token", "create", "bob@lab.example", "--name", "ci", "--days", "30"], env).stdout)[0]!;
    expect(made.token).toMatch(/^gt_/);
    const accounts = createAccounts({ prisma: db.prisma, secret: "z".repeat(40), logger: createMemoryLogger("test").logger });
    const bearer = new Headers({ authorization: `Bearer ${made.token as string}` });
    expect(await identify(accounts, db.prisma, bearer)).toMatchObject({ name: "bob@lab.example", role: "editor" });
    const listed = runCli(["token", "list", "bob@lab.example"], env).stdout;
    expect(listed).not.toContain(made.token as string);
    expect(lines(listed)[0]).toMatchObject({ id: made.id, name: "ci" });
    expect(runCli(["token", "revoke", made.id as string], env).status).toBe(0);
    await expect(identify(accounts, db.prisma, bearer)).rejects.toThrow(/not valid/);
    expect(runCli(["user", "remove", "bob@lab.example"], env).status).toBe(0);
    expect(lines(runCli(["user", "list"], env).stdout)).toHaveLength(1);
  });
});
