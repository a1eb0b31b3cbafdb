import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Package boundaries, each with why. Type-only imports cross them freely: they vanish at build.
const STORAGE = ["@gradtrace/db", "@prisma/*", "pg", "@electric-sql/pglite"];
const BULLMQ = ["bullmq", "ioredis"];
const APPS = { group: ["@gradtrace/cli", "@gradtrace/web", "**/apps/**"], message: "libraries never import the apps built on them" };
// One config per package (flat config keeps only the last setting of a rule for a file, so each file gets one).
const boundary = (files, groups, message, ignores = [], library = true) => ({
  files,
  ignores,
  rules: {
    "@typescript-eslint/no-restricted-imports": [
      "error",
      { patterns: [...(groups.length ? [{ group: groups, message, allowTypeImports: true }] : []), ...(library ? [{ ...APPS, allowTypeImports: true }] : [])] },
    ],
  },
});

/**
 * A module that starts with "use client" runs in the browser: it may take values from the
 * core's vocabulary and from other client modules, types from anywhere, and nothing else.
 */
const clientBoundary = {
  meta: {
    type: "problem",
    messages: {
      server:
        "'{{source}}' is server code: a \"use client\" module may import values only from @gradtrace/core/vocabulary, npm UI packages and other client modules (use `import type` for types).",
    },
  },
  create(context) {
    const isClient = context.sourceCode.ast.body.some((n) => n.type === "ExpressionStatement" && n.directive === "use client");
    const server = (source) =>
      source === "server-only" ||
      source.startsWith("node:") ||
      /^@gradtrace\/(?!core\/vocabulary$)/.test(source) ||
      /(^|\/)lib\//.test(source) ||
      ["bullmq", "ioredis", "pg"].includes(source);
    return {
      ImportDeclaration(node) {
        if (!isClient || node.importKind === "type" || (node.specifiers.every((s) => s.importKind === "type") && node.specifiers.length > 0)) return;
        if (server(node.source.value)) context.report({ node, messageId: "server", data: { source: node.source.value } });
      },
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/build/**",
      "**/.turbo/**",
      "**/.next/**",
      "**/next-env.d.ts",
      "artifacts/**",
      ".gpu-bench/**",
      "packages/db/src/generated/**",
      "**/*.generated.ts",
      "packages/core/assembly/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { gradtrace: { rules: { "client-boundary": clientBoundary } } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "prefer-const": ["error", { destructuring: "all" }],
      "gradtrace/client-boundary": "error",
    },
  },
  boundary(
    ["packages/core/src/**/*.ts"],
    ["@gradtrace/*", "node:*", "fs", "fs/*", "net", "http", "https", "child_process", "worker_threads", "bullmq", "ioredis", ...STORAGE],
    "the core is pure and deterministic: no other package of ours and no I/O (tests and benchmarks may)",
    ["**/*.test.ts"],
  ),
  boundary(
    ["packages/worker-cpu/**/*.ts", "packages/worker-gpu/**/*.ts"],
    [...STORAGE, "@gradtrace/control", ...BULLMQ],
    "workers need only Redis, through the queue package: results travel to the recorder over the results queue, never straight into Postgres",
  ),
  boundary(
    ["packages/queue/**/*.ts"],
    [...STORAGE, "@gradtrace/control"],
    "the queue package knows BullMQ and the job contracts, not storage: the recorder (control) joins the two",
  ),
  boundary(
    ["packages/db/**/*.ts"],
    ["@gradtrace/queue", "@gradtrace/control", "bullmq", "ioredis"],
    "the data layer knows Postgres only: the recorder (control) joins it to the queue",
  ),
  boundary(["packages/control/**/*.ts"], BULLMQ, "every BullMQ and Redis object comes from @gradtrace/queue (tests may reach them directly)", ["**/*.test.ts"]),
  boundary(
    ["apps/web/**/*.ts", "apps/web/**/*.tsx", "apps/cli/src/**/*.ts"],
    BULLMQ,
    "every BullMQ and Redis object comes from @gradtrace/queue (tests may reach them directly)",
    ["**/*.test.ts"],
    false,
  ),
  boundary(["packages/core/**/*.test.ts", "packages/core/bench/**", "packages/core/scripts/**"], [], ""),
  {
    // Logs go through @gradtrace/log (levels, structure, the worker/sweep/run they are about).
    files: ["apps/*/app/**", "apps/*/lib/**", "apps/cli/src/**", "packages/*/src/**"],
    ignores: ["**/*.test.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
