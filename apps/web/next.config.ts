import type { NextConfig } from "next";

const config: NextConfig = {
  // The workspace packages export TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@gradtrace/control", "@gradtrace/core", "@gradtrace/db", "@gradtrace/log", "@gradtrace/queue"],
  // Native or dynamically loading server packages stay as Node modules.
  serverExternalPackages: ["bullmq", "ioredis", "pg", "@prisma/adapter-pg", "@prisma/client", "pino", "pino-pretty"],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default config;
