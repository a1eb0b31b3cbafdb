import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  addUser,
  createAccounts,
  createToken,
  CredentialsError,
  listTokens,
  listUsers,
  MIN_PASSWORD_LENGTH,
  removeUser,
  revokeToken,
  setRole,
} from "@gradtrace/control";
import { ROLES, type RoleName } from "@gradtrace/core";
import { createPrismaClient, databaseUrlFromEnv, type PrismaClient } from "@gradtrace/db";
import { createLogger } from "@gradtrace/log";
import { z } from "zod";
import { lockDataDir } from "./data-dir.ts";
import { envOrUsage, UsageError } from "./usage-error.ts";

/** Help text of `gradtrace user` and `gradtrace token`. */
export const USER_USAGE = `gradtrace user, gradtrace token — the accounts of a dashboard with accounts

  gradtrace user add EMAIL --role ROLE [--name NAME]   make an account; the password is asked twice
                                     on a terminal, else read from stdin (one line) or --password-file
  gradtrace user list                every account: email, name, role
  gradtrace user role EMAIL ROLE     change a role (seen at the account's next request)
  gradtrace user remove EMAIL        delete an account, its sessions and tokens (its sweeps stay)
  gradtrace token create EMAIL [--name NAME] [--days N]   an API token for scripts, printed once:
                                     send it as Authorization: Bearer TOKEN (keep it in GRADTRACE_TOKEN)
  gradtrace token list EMAIL         an account's tokens (their first characters, never the token)
  gradtrace token revoke ID          a token stops working at once

Roles: ${ROLES.join(", ")} — a viewer reads; an editor also launches, steers, annotates and deletes
sweeps; an admin also reads the audit log (GET /api/audit).
Database: DATABASE_URL, or --data DIR for gradtrace up's embedded database (while up is stopped).`;

const RoleSchema = z.enum(ROLES, { error: () => `a role is one of ${ROLES.join(", ")}` });

/** Where the command's input and output go (a terminal, or a test's streams). */
export interface UserCommandIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
}

/** Runs `gradtrace user …` (`what` "user") or `gradtrace token …` ("token"); resolves to the exit code. */
export async function runAccounts(what: "user" | "token", argv: string[], io: UserCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { role: { type: "string" }, name: { type: "string" }, days: { type: "string" }, data: { type: "string" }, "password-file": { type: "string" } },
    strict: true,
    allowPositionals: true,
  });
  const [action, ...args] = positionals;
  const expect = (count: number, usage: string) => {
    if (args.length !== count) throw new UsageError(`${what} ${action}: expected ${usage}`);
  };
  const print = (value: unknown) => io.stdout.write(`${JSON.stringify(value)}\n`);
  const database = await openDatabase(values.data);
  // Passwords are hashed (scrypt) and tokens digested (SHA-256) without the session secret, which only signs cookies.
  const accounts = createAccounts({
    prisma: database.prisma,
    secret: randomBytes(32).toString("hex"),
    logger: envOrUsage(() => createLogger({ component: what })),
  });
  try {
    const key = `${what} ${action ?? ""}`;
    switch (key) {
      case "user add": {
        expect(1, "an email");
        const role = parseRole(values.role ?? "");
        const password = await readPassword(io, values["password-file"]);
        print(await addUser(accounts, database.prisma, { email: args[0]!, password, role, ...(values.name ? { name: values.name } : {}) }));
        break;
      }
      case "user list":
        expect(0, "no arguments");
        for (const user of await listUsers(database.prisma)) print(user);
        break;
      case "user role":
        expect(2, "an email and a role");
        await setRole(database.prisma, args[0]!, parseRole(args[1]!));
        print({ email: args[0]!.toLowerCase(), role: args[1] });
        break;
      case "user remove":
        expect(1, "an email");
        await removeUser(database.prisma, args[0]!);
        print({ removed: args[0]!.toLowerCase() });
        break;
      case "token create": {
        expect(1, "the email of the token's account");
        const days = values.days === undefined ? undefined : Number(values.days);
        if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650))
          throw new UsageError(`--days: expected a whole number from 1 to 3650, got '${values.days}'`);
        print(await createToken(accounts, database.prisma, args[0]!, values.name ?? "cli", days));
        break;
      }
      case "token list":
        expect(1, "an email");
        for (const token of await listTokens(database.prisma, args[0]!)) print(token);
        break;
      case "token revoke":
        expect(1, "a token id (from gradtrace token list)");
        await revokeToken(database.prisma, args[0]!);
        print({ revoked: args[0] });
        break;
      default:
        throw new UsageError(`${what}: unknown action '${action ?? ""}'; actions: ${what === "user" ? "add, list, role, remove" : "create, list, revoke"}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CredentialsError) throw new UsageError(error.message);
    if (error instanceof z.ZodError) throw new UsageError(error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
    throw error;
  } finally {
    await database.close();
  }
}

function parseRole(value: string): RoleName {
  const parsed = RoleSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--role: ${parsed.error.issues[0]!.message}, got '${value}'`);
  return parsed.data;
}

/** DATABASE_URL's database, or the embedded one of `gradtrace up --data DIR` (locked against a running up), migrated. */
async function openDatabase(data: string | undefined): Promise<{ prisma: PrismaClient; close(): Promise<void> }> {
  if (data === undefined) {
    const url = envOrUsage(() => databaseUrlFromEnv());
    const { migrate } = await import("@gradtrace/db/migrations");
    await migrate({ url });
    const prisma = createPrismaClient({ url });
    return { prisma, close: () => prisma.$disconnect() };
  }
  const dir = resolve(data);
  const { release } = lockDataDir(dir);
  try {
    const { openEmbeddedDatabase } = await import("@gradtrace/db/embedded");
    const embedded = await openEmbeddedDatabase(join(dir, "pg"));
    return {
      prisma: embedded.prisma,
      close: async () => {
        await embedded.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The new account's password: from --password-file, else asked twice without echo on a terminal,
 * else the first line of stdin. Never from an argument: arguments show in `ps` and shell history.
 */
async function readPassword(io: UserCommandIo, file: string | undefined): Promise<string> {
  let password: string;
  if (file !== undefined) password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  else if (io.stdin.isTTY) {
    password = await ask(io, "password: ");
    if ((await ask(io, "again: ")) !== password) throw new UsageError("the two passwords differ");
  } else password = (await readAll(io.stdin)).split(/\r?\n/)[0] ?? "";
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length})`);
  return password;
}

async function readAll(stream: Readable): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** Reads one line from a terminal without echoing it. */
function ask(io: UserCommandIo, prompt: string): Promise<string> {
  const tty = io.stdin as Readable & { setRawMode(raw: boolean): void };
  io.stderr.write(prompt);
  tty.setRawMode(true);
  tty.resume();
  return new Promise((done, fail) => {
    let line = "";
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          finish();
          return done(line);
        }
        if (char === "\u0003") {
          finish();
          return fail(new UsageError("cancelled"));
        }
        line = char === "\u007f" ? line.slice(0, -1) : line + char;
      }
    };
    const finish = () => {
      tty.off("data", onData);
      tty.setRawMode(false);
      tty.pause();
      io.stderr.write("\n");
    };
    tty.on("data", onData);
  });
}
