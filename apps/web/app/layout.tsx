import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "gradtrace",
  description: "Why deep networks train or do not: activation × initialisation × depth sweeps with per-layer traces.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a className="brand" href="/">
            gradtrace
          </a>
          <a href="/">Sweeps</a>
          <a href="/sweeps/new">New sweep</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
