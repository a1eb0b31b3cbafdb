// npm run bench -w @gradtrace/web: the dashboard's server with one sweep of 10,000 completed runs
// (BENCH_WEB_RUNS), 51 traced epochs each, in Postgres — page and API latency at 50 concurrent
// clients (autocannon), a comparison of 20 runs among them, live updates to 500 event streams, and
// importance over the sweep, against `next start` (the production build; `npm run build` first);
// then the sweep page's time to first draw in chromium.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { packEpoch, train, type PackedEpoch } from "@gradtrace/core";
import { appendEpochChunks, createSweep, finishRuns, refreshSweepStatus, startRuns } from "@gradtrace/db";
import { createTestDatabase } from "@gradtrace/db/test-database";
import { expandSweep, parseSweepSpec, type SweepSpecInput } from "@gradtrace/queue";
import autocannon from "autocannon";
import { launchBrowser } from "../app/e2e-support.ts";
import { FEED_INTERVAL_MS } from "../lib/feed-interval.ts";

const require = createRequire(import.meta.url);
const WEB = fileURLToPath(new URL("..", import.meta.url));
const PORT = 3900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${PORT}`;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
/** Which parts run (BENCH_WEB_PARTS, comma-separated): latency (one client, then 50), live (500 event streams), draw (chromium). */
const parts = new Set((process.env.BENCH_WEB_PARTS ?? "latency,live,draw").split(","));

const db = await createTestDatabase("web_bench");
/** `next start` on `port` over the bench's database, answering once its home page does. */
const startServer = (port: number, env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [require.resolve("next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: WEB,
    env: {
      ...process.env,
      DATABASE_URL: db.schemaUrl,
      GRADTRACE_QUEUE_PREFIX: `gt-bench-${PORT}`,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = async () => {
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}`)
        .then((r) => r.ok)
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error("next start did not answer");
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { child, ready };
};
const server = startServer(PORT);
try {
  // Runs of the grid's shapes (4 activations × 6 initializers × depths 2/4/8, width 64, 50 epochs, traced every epoch).
  const count = Number(process.env.BENCH_WEB_RUNS ?? 10_000);
  const grid = JSON.parse(readFileSync(new URL("../../../examples/grid-72.json", import.meta.url), "utf8")) as SweepSpecInput;
  const spec = parseSweepSpec({
    ...grid,
    name: `bench: ${count} runs`,
    axes: { ...grid.axes, seeds: Array.from({ length: Math.ceil(count / 72) + 1 }, (_, i) => i) },
    sampling: { mode: "random", count },
  });
  const seeded = performance.now();
  const { sweepId, runs } = await createSweep(db.prisma, { name: spec.name, spec, runs: expandSweep(spec) });
  // Each run stores the trace of its own activation × initializer × depth cell, trained once per cell.
  const traces = new Map<string, ReturnType<typeof train> & { packed: PackedEpoch[] }>();
  const traceOf = (s: (typeof runs)[number]["spec"]) => {
    const key = JSON.stringify([s.model, s.training.optimizer]);
    if (!traces.has(key)) {
      const trace = train({ ...s, training: { ...s.training, seed: 0 } });
      traces.set(key, { ...trace, packed: trace.epochs.map(packEpoch) });
    }
    return traces.get(key)!;
  };
  for (let i = 0; i < runs.length; i += 100) {
    const batch = runs.slice(i, i + 100).map((r) => ({ id: r.id, trace: traceOf(r.spec) }));
    await startRuns(
      db.prisma,
      batch.map((b) => ({ id: b.id, workerId: "bench", device: "cpu", layers: b.trace.layers, attempt: 1 })),
    );
    await appendEpochChunks(
      db.prisma,
      batch.map((b) => ({ runId: b.id, attempt: 1, records: b.trace.packed })),
    );
    await finishRuns(
      db.prisma,
      batch.map((b) => ({ id: b.id, attempt: 1, summary: b.trace.summary, last: b.trace.epochs.at(-1)! })),
    );
  }
  await refreshSweepStatus(db.prisma, [runs[0]!.id]);
  console.log(
    `seeded 1 sweep of ${runs.length} completed runs × 51 traced epochs in ${((performance.now() - seeded) / 1000).toFixed(1)} s (${traces.size} distinct traces)`,
  );

  await server.ready();
  const run = runs[0]!.id;
  // A comparison of 20 runs, as the run table's Compare link asks for it.
  const compared = runs
    .slice(0, 20)
    .map((r) => r.id)
    .join(",");
  const timed = async (path: string, times = 21) => {
    await fetch(base + path).then((r) => r.text()); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      const r = await fetch(base + path);
      await r.text();
      if (!r.ok) throw new Error(`${path}: ${r.status}`);
      samples.push(performance.now() - t);
    }
    console.log(`  ${path.padEnd(62)} median ${median(samples).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`);
  };
  if (parts.has("latency")) {
    console.log("server response, whole body, medians of 21 after a warm-up:");
    await timed(`/sweeps/${sweepId}`);
    await timed(`/runs/${run}`);
    await timed("/");
    await timed(`/compare?runs=${compared}`);
    console.log("pages and API under 50 concurrent clients, 10 s each (autocannon; pages are the server's HTML, API the JSON):");
    for (const path of [
      `/sweeps/${sweepId}`,
      `/runs/${run}`,
      "/",
      `/compare?runs=${compared}`,
      `/api/compare?runs=${compared}`,
      `/api/sweeps/${sweepId}`,
      `/api/sweeps/${sweepId}/grid`,
      `/api/sweeps/${sweepId}/runs`,
      `/api/sweeps/${sweepId}/runs?limit=1000`,
      `/api/sweeps/${sweepId}/importance?metric=valLoss`,
      `/api/sweeps/${sweepId}/slices?metric=valLoss&by=activation`,
      `/api/sweeps/${sweepId}/columns`,
      `/api/compare/layers?runs=${compared}&metric=gradNorm&layer=middle`,
      `/api/sweeps/${sweepId}/runs?sort=valLoss&dir=desc&diagnosis=vanishing_gradients`,
      `/api/runs/${run}/trace?buckets=200`,
      "/api/sweeps",
      "/api/workers",
    ]) {
      // Every response's time, for the p95 autocannon's summary does not give.
      const times: number[] = [];
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon({ url: base + path, connections: 50, duration: 10 }, (error, done) => (error ? reject(error) : resolve(done)));
        instance.on("response", (...args: unknown[]) => times.push(Number(args[3])));
      });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.ceil(q * times.length) - 1]!.toFixed(0);
      console.log(
        `  ${(path.length > 62 ? `${path.slice(0, 59)}...` : path).padEnd(62)} p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms, ${Math.round(result.requests.average)} req/s`,
      );
    }
  }

  if (parts.has("live")) {
    // Live updates: 500 pages watch the sweep's event stream while its counts change every 2 s.
    // Each should get the first state and every change, each about when it happened.
    const clients = 500;
    const changes = 10;
    const changedAt: number[] = [];
    const streams = await Promise.all(
      Array.from({ length: clients }, async () => {
        const abort = new AbortController();
        const response = await fetch(`${base}/api/events?sweep=${sweepId}`, { signal: abort.signal });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        const got = { events: [] as Array<{ at: number; epochs: number }>, abort };
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let text = "";
        void (async () => {
          for (let next = await reader.read(); !next.done; next = await reader.read()) {
            text += decoder.decode(next.value, { stream: true });
            for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
              const [head, data] = text.slice(0, end).split("\ndata: ");
              text = text.slice(end + 2);
              if (head === "event: sweep")
                got.events.push({ at: performance.now(), epochs: Number((JSON.parse(data!) as { epochsTrained: number }).epochsTrained) });
            }
          }
        })().catch(() => undefined);
        return got;
      }),
    );
    const firstEpochs = await db.prisma.run.aggregate({ where: { sweepId }, _sum: { epochsDone: true } });
    await new Promise((r) => setTimeout(r, 3000));
    for (let i = 1; i <= changes; i++) {
      await db.prisma.run.update({ where: { id: run }, data: { epochsDone: { increment: 1 } } });
      changedAt.push(performance.now());
      await new Promise((r) => setTimeout(r, 2000));
    }
    for (const s of streams) s.abort.abort();
    await db.prisma.run.update({ where: { id: run }, data: { epochsDone: { decrement: changes } } });
    const base0 = firstEpochs._sum.epochsDone ?? 0;
    const delivered = streams.map((s) => new Set(s.events.map((e) => e.epochs - base0).filter((k) => k >= 1 && k <= changes)).size / changes);
    const lags = streams.flatMap((s) => s.events.filter((e) => e.epochs > base0).map((e) => e.at - changedAt[e.epochs - base0 - 1]!)).sort((a, b) => a - b);
    console.log(
      `live updates to ${clients} event streams of one sweep, ${changes} changes 2 s apart:\n` +
        `  every stream got its first state: ${streams.every((s) => s.events.length > 0 && s.events[0]!.epochs === base0)}; ` +
        `share of changes received per stream: min ${(100 * Math.min(...delivered)).toFixed(1)}%, median ${(100 * median(delivered)).toFixed(1)}%; ` +
        `change to arrival: median ${median(lags).toFixed(0)} ms, p95 ${lags[Math.ceil(0.95 * lags.length) - 1]!.toFixed(0)} ms (a feed interval is 1,000 ms)`,
    );
  }

  if (parts.has("draw")) {
    // What a researcher waits for: the sweep page opened in chromium until its parallel coordinates
    // have drawn a line for every run and the importance chart its bars, by the browser's clock
    // from the navigation's start (an observer in the page notes when each appears). Three times:
    // on the server above, which keeps a completed sweep's figures once computed (later views);
    // on the same server with the sweep's finish time moved before each view (the first view after
    // a sweep completes: its figures computed for it); and on one that keeps nothing
    // (GRADTRACE_SHARE_MS=0: every read computed, a view of a running sweep at worst).
    const browser = await launchBrowser();
    const cold = startServer(PORT + 100, { GRADTRACE_SHARE_MS: "0" });
    try {
      await cold.ready();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.addInitScript((runs: number) => {
        const seen: Record<string, number> = {};
        (window as unknown as { gradtraceDrawn: Record<string, number> }).gradtraceDrawn = seen;
        const checks = {
          parallel: `[data-testid=chart-parallel-coordinates] canvas[data-drawn="${runs}"]`,
          importance: "[data-testid=chart-importance] .recharts-bar-rectangle",
          depthCurve: "[data-testid=chart-depth-curve] g[data-series]",
        };
        new MutationObserver(() => {
          for (const [name, selector] of Object.entries(checks)) if (!seen[name] && document.querySelector(selector)) seen[name] = performance.now();
        }).observe(document, { subtree: true, childList: true, attributes: true });
      }, runs.length);
      // A sweep that completes again has a new stamp: what was kept under the old one no longer serves.
      // The stamp itself is shared for a feed interval, so the view waits that out.
      const completeAgain = async () => {
        await db.prisma.$executeRaw`UPDATE "Sweep" SET "finishedAt" = clock_timestamp() WHERE id = ${sweepId}::uuid`;
        await new Promise((resolve) => setTimeout(resolve, FEED_INTERVAL_MS + 100));
      };
      const firstDraw = async (origin: string, before?: () => Promise<void>) => {
        await before?.();
        await page.goto(`${origin}/sweeps/${sweepId}`, { waitUntil: "commit" });
        await page.waitForFunction(
          () => {
            const seen = (window as unknown as { gradtraceDrawn?: Record<string, number> }).gradtraceDrawn;
            return seen?.parallel && seen.importance && seen.depthCurve;
          },
          undefined,
          { timeout: 60_000 },
        );
        return page.evaluate(() => {
          const seen = (window as unknown as { gradtraceDrawn: Record<string, number> }).gradtraceDrawn;
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const columns = performance.getEntriesByType("resource").find((r) => r.name.includes("/columns")) as PerformanceResourceTiming | undefined;
          return {
            parallel: seen.parallel!,
            importance: seen.importance!,
            depthCurve: seen.depthCurve!,
            html: nav.responseEnd,
            scripts: nav.domContentLoadedEventEnd,
            columnsAsked: columns?.startTime ?? 0,
            columnsGot: columns?.responseEnd ?? 0,
          };
        });
      };
      console.log("time to first draw in chromium, from navigation to drawn (the browser's clock), medians of 7 after a warm-up (no other load):");
      for (const [label, origin, before] of [
        ["later views (the completed sweep's figures kept)", base, undefined],
        ["first view after the sweep completes (finish time moved before each)", base, completeAgain],
        ["nothing kept (GRADTRACE_SHARE_MS=0)", `http://127.0.0.1:${PORT + 100}`, undefined],
      ] as const) {
        await firstDraw(origin); // warm-up: the browser's cache of the page's scripts
        const draws: Array<Awaited<ReturnType<typeof firstDraw>>> = [];
        for (let i = 0; i < 7; i++) draws.push(await firstDraw(origin, before));
        const m = (key: keyof (typeof draws)[number]) => median(draws.map((d) => d[key])).toFixed(0);
        console.log(
          `  ${label}: parallel coordinates, ${runs.length} lines, median ${m("parallel")} ms (max ${Math.max(...draws.map((d) => d.parallel)).toFixed(0)}); ` +
            `importance bars ${m("importance")} ms (max ${Math.max(...draws.map((d) => d.importance)).toFixed(0)}); depth curve ${m("depthCurve")} ms\n` +
            `    of which: HTML received ${m("html")} ms, scripts run (DOMContentLoaded) ${m("scripts")} ms, columns asked ${m("columnsAsked")} ms and received ${m("columnsGot")} ms`,
        );
      }
    } finally {
      cold.child.kill("SIGTERM");
      await browser.close();
    }
  }
} finally {
  server.child.kill("SIGTERM");
  await db.drop();
}
