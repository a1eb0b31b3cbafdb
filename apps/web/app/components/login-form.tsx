"use client";

import { useState, type FormEvent } from "react";

/** Email and password, sent to better-auth's sign-in route; on success the browser goes where it was headed (`next`, a path on this dashboard). */
export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    const response = await fetch("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    }).catch(() => undefined);
    if (response?.ok) {
      window.location.assign(next);
      return;
    }
    setBusy(false);
    const body = (await response?.json().catch(() => ({}))) as { message?: string } | undefined;
    setError(
      response === undefined
        ? "the dashboard cannot be reached"
        : response.status === 401
          ? "wrong email or password"
          : (body?.message ?? `login failed (${response.status})`),
    );
  };
  return (
    <form className="login" onSubmit={submit}>
      <label>
        Email <input name="email" type="email" autoComplete="username" required autoFocus />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit" disabled={busy}>
        Log in
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
