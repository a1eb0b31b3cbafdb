#!/usr/bin/env node
// Runs the compiled command (apps/cli/dist, made by `npm run build`); before a build, or with
// GRADTRACE_FROM_SOURCE=1 (developing without rebuilding), the TypeScript sources through tsx,
// which is slower to start.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/main.js", import.meta.url);
let main;
if (existsSync(compiled) && !process.env.GRADTRACE_FROM_SOURCE) {
  // Worker threads of the CPU pool start from the compiled thread entry too.
  process.env.GRADTRACE_THREAD_SCRIPT ??= new URL("../dist/train-thread.js", import.meta.url).href;
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
