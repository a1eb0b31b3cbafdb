import type { NextConfig } from "next";

const config: NextConfig = {
  // The workspace packages export TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@gradtrace/control", "@gradtrace/core", "@gradtrace/db", "@gradtrace/log", "@gradtrace/queue"],
  // Native or dynamically loading server packages stay as Node modules.
  serverExternalPackages: ["bullmq", "ioredis", "pg", "@prisma/adapter-pg", "@prisma/client", "pino", "pino-pretty"],
  poweredByHeader: false,
  async headers() {
    // Next's own inline scripts need 'unsafe-inline' (no nonces here); the dev server also evaluates code.
    const scripts = process.env.NODE_ENV === "production" ? "'self' 'unsafe-inline'" : "'self' 'unsafe-inline' 'unsafe-eval'";
    const csp = [
      "default-src 'self'",
      `script-src ${scripts}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; ");
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: csp },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
  typescript: { ignoreBuildErrors: false },
};

export default config;
