// npm run bench -w @gradtrace/cli (first part): the command's start-up, compiled (dist/, the
// default) against the TypeScript sources through tsx (GRADTRACE_FROM_SOURCE=1), alternating.
// Environment: BENCH_STARTUP_REPS (default 20).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const reps = Number(process.env.BENCH_STARTUP_REPS ?? 20);
const bin = fileURLToPath(new URL("../bin/gradtrace.js", import.meta.url));
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Seconds one `gradtrace ARGS` takes from spawn to exit. */
function time(args: string[], fromSource: boolean): number {
  const env = { ...process.env, GRADTRACE_FROM_SOURCE: fromSource ? "1" : "" };
  const t = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`gradtrace ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return (performance.now() - t) / 1000;
}

console.log(`start-up, median of ${reps} alternating runs each: compiled vs tsx`);
for (const args of [["--version"], ["train", "--help"], ["train", "--epochs", "1", "--samples", "100", "--depth", "2", "--width", "8"]]) {
  const compiled: number[] = [];
  const source: number[] = [];
  for (let i = 0; i < reps; i++) {
    compiled.push(time(args, false));
    source.push(time(args, true));
  }
  const [c, s] = [median(compiled), median(source)];
  console.log(`  gradtrace ${args.join(" ").padEnd(62)} compiled ${c.toFixed(3)} s   tsx ${s.toFixed(3)} s   ${(s / c).toFixed(1)}× faster`);
}
