"use client";

import { useState } from "react";

/** The header's account: who is logged in, with which role, and a button that logs out. */
export function AccountMenu({ name, role }: { name: string; role: string }) {
  const [busy, setBusy] = useState(false);
  const logOut = async () => {
    setBusy(true);
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    window.location.assign("/login");
  };
  return (
    <span className="account" data-testid="account">
      <span>
        {name} <span className="muted">({role})</span>
      </span>
      <button type="button" onClick={logOut} disabled={busy}>
        Log out
      </button>
    </span>
  );
}
