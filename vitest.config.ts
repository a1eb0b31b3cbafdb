import { defineConfig } from "vitest/config";

// One root config; each workspace is a project so `vitest --project core` runs one of them.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "repo", root: ".", include: ["*.test.ts"] } },
      { test: { name: "core", root: "packages/core", include: ["src/**/*.test.ts", "scripts/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "cli", root: "apps/cli", include: ["src/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 60_000 } },
      { test: { name: "log", root: "packages/log", include: ["src/**/*.test.ts"] } },
      { test: { name: "queue", root: "packages/queue", include: ["src/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "worker-gpu", root: "packages/worker-gpu", include: ["src/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 60_000 } },
      { test: { name: "worker-cpu", root: "packages/worker-cpu", include: ["src/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "control", root: "packages/control", include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        // Next resolves `server-only` to an empty module on the server; tests import server modules directly.
        resolve: { alias: { "server-only": "next/dist/compiled/server-only/empty.js" } },
        test: {
          name: "web",
          root: "apps/web",
          include: ["app/**/*.test.ts", "lib/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The handlers are called between direct changes to Postgres: share only reads in flight (the e2e server shares for 1 s).
          env: { GRADTRACE_SHARE_MS: "0" },
        },
      },
      { test: { name: "db", root: "packages/db", include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
