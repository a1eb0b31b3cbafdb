import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { viewer } from "../lib/access.ts";
import { AccountMenu } from "./components/account-menu.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: "gradtrace",
  description: "Why deep networks train or do not: activation × initialisation × depth sweeps with per-layer traces.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const who = await viewer(await headers());
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a className="brand" href="/">
            gradtrace
          </a>
          <a href="/">Sweeps</a>
          <a href="/sweeps/new">New sweep</a>
          {who && <AccountMenu name={who.name} role={who.role} />}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
