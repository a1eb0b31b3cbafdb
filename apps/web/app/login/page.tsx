import { countUsers } from "@gradtrace/control";
import { redirect } from "next/navigation";
import { LoginForm } from "../components/login-form.tsx";
import { access } from "../../lib/access.ts";
import { control } from "../../lib/server.ts";

export const dynamic = "force-dynamic";

/** Where the browser goes after logging in: a path on this dashboard, never another site. */
function safeNext(next: string | string[] | undefined): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

/** The login page (only with accounts); says how to make the first account when there is none. */
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  if (access().mode !== "accounts") redirect(next);
  const users = await countUsers(control().prisma);
  return (
    <>
      <h1>Log in</h1>
      {users === 0 ? (
        <p className="error">
          There are no accounts yet. An admin makes the first on the server: <code>gradtrace user add EMAIL --role admin</code>
        </p>
      ) : (
        <LoginForm next={next} />
      )}
    </>
  );
}
