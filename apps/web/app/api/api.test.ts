import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { columnValues, type RunSpec, toWire, train } from "@gradtrace/core";
import { appendEpochs, finishRun, getSweep, refreshSweepStatus, runSeries, startRun } from "@gradtrace/db";
import { announceWorker, connectRedis, PAYLOAD_VERSION } from "@gradtrace/queue";
import { describe, expect, it } from "vitest";
import { handle } from "../../lib/http.ts";
import { control } from "../../lib/server.ts";
import { routeTestServices } from "../../lib/test-services.ts";
import { GET as compare } from "./compare/route.ts";
import { GET as compareLayers } from "./compare/layers/route.ts";
import { GET as events } from "./events/route.ts";
import { GET as run, PATCH as annotateRun } from "./runs/[id]/route.ts";
import { GET as trace } from "./runs/[id]/trace/route.ts";
import { POST as act } from "./sweeps/[id]/[action]/route.ts";
import { GET as grid } from "./sweeps/[id]/grid/route.ts";
import { GET as importance } from "./sweeps/[id]/importance/route.ts";
import { GET as slices } from "./sweeps/[id]/slices/route.ts";
import { GET as columns } from "./sweeps/[id]/columns/route.ts";
import { GET as searchTrials } from "./sweeps/[id]/search/route.ts";
import { DELETE as deleteSweep, GET as sweep, PATCH as annotateSweep } from "./sweeps/[id]/route.ts";
import { GET as sweepRuns } from "./sweeps/[id]/runs/route.ts";
import { GET as listSweeps, POST as createSweep } from "./sweeps/route.ts";
import { GET as workers } from "./workers/route.ts";

const services = routeTestServices("web_api");
const base = "http://test.local";

const params = <T extends object>(p: T) => ({ params: Promise.resolve(p) });
const get = (path: string) => new Request(`${base}${path}`);
const post = (path: string, body?: unknown) =>
  new Request(`${base}${path}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
const body = async (response: Response) => ({ status: response.status, json: (await response.json()) as Record<string, any> }); // eslint-disable-line @typescript-eslint/no-explicit-any

const spec = {
  name: "api test",
  axes: {
    activations: [{ name: "tanh" }, { name: "relu" }],
    initializers: [{ name: "xavier_normal" }, { name: "he_normal" }],
    depths: [2],
    widths: [8],
    learningRates: [0.1],
    datasets: [{ name: "moons", samples: 200 }],
    seeds: [0, 1],
  },
  fixed: { epochs: 4, batchSize: 32 },
};

/** Records a run as a worker and the recorder would, with the core's trace, and takes its job off the queue. */
async function complete(runId: string): Promise<void> {
  await control().queues.runs.any.remove(runId);
  const row = await services.db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  const t = train(row.spec as unknown as RunSpec);
  await startRun(services.db.prisma, runId, { workerId: "w", device: "cpu", layers: t.layers, attempt: 1 });
  await appendEpochs(services.db.prisma, runId, 1, t.epochs);
  await finishRun(services.db.prisma, runId, 1, t.summary, t.epochs.at(-1)!);
  await refreshSweepStatus(services.db.prisma, [runId]);
}

describe("the HTTP API", () => {
  let sweepId = "";
  let runIds: string[] = [];

  it("POST /api/sweeps creates a sweep and enqueues its runs; ?dryRun=1 only counts them", async () => {
    expect(await body(await createSweep(post("/api/sweeps?dryRun=1", spec)))).toEqual({ status: 200, json: { runs: 8 } });
    const created = await body(await createSweep(post("/api/sweeps", spec)));
    expect(created.status).toBe(201);
    expect(created.json.runs).toBe(8);
    sweepId = created.json.sweepId;
    expect(await control().queues.runs.any.getWaitingCount()).toBe(8);
    runIds = (await services.db.prisma.run.findMany({ where: { sweepId }, orderBy: [{ activation: "asc" }, { initializer: "asc" }, { seed: "asc" }] })).map(
      (r) => r.id,
    );
  });

  it.each([
    ["not JSON", "{oops", 400, /not valid JSON/],
    ["a bad field", { ...spec, axes: { ...spec.axes, activations: [{ name: "swish" }] } }, 400, /swish/],
    [
      "too many runs",
      { ...spec, axes: { ...spec.axes, seeds: Array.from({ length: 1000 }, (_, i) => i), widths: [8, 16, 32, 64, 128, 256] } },
      413,
      /at most 20000 are allowed/,
    ],
    [
      "too deep and too many epochs",
      { ...spec, axes: { ...spec.axes, depths: [500] }, fixed: { epochs: 10_000_000, batchSize: 32 } },
      422,
      /depths\[0\].*must be a whole number from 1 to 64/,
    ],
  ])("POST /api/sweeps with %s answers %d naming the field", async (_case, input, status, pattern) => {
    const response = await body(await createSweep(post("/api/sweeps", input)));
    expect(response.status).toBe(status);
    expect(JSON.stringify(response.json)).toMatch(pattern);
    if (typeof input !== "string") expect(response.json.issues[0]).toHaveProperty("path");
  });

  it("GET /api/sweeps lists sweeps with counts and the best run; GET /api/sweeps/:id one", async () => {
    await complete(runIds[0]!);
    await complete(runIds[3]!);
    const list = await body(await listSweeps(get("/api/sweeps")));
    expect(list.json.sweeps).toHaveLength(1);
    expect(list.json.sweeps[0]).toMatchObject({ id: sweepId, runs: { completed: 2, queued: 6, total: 8 } });
    expect([runIds[0], runIds[3]]).toContain(list.json.sweeps[0].best.id);
    const one = await body(await sweep(get(`/api/sweeps/${sweepId}`), params({ id: sweepId })));
    expect(one.json).toMatchObject({ id: sweepId, name: "api test", status: "running", runs: { completed: 2 } });
    expect((await listSweeps(get("/api/sweeps?take=0"))).status).toBe(400);
  });

  it("GET /api/sweeps/:id/grid and /runs give the heatmap cells and the run table", async () => {
    const cells = await body(await grid(get(""), params({ id: sweepId })));
    expect(cells.json.cells.length).toBeGreaterThanOrEqual(1);
    expect(cells.json.cells[0]).toHaveProperty("valLoss.mean");
    const table = await body(await sweepRuns(get(`/api/sweeps/${sweepId}/runs`), params({ id: sweepId })));
    expect(table.json).toMatchObject({ total: 8, offset: 0, limit: 100 });
    expect(table.json.runs).toHaveLength(8);
    expect(table.json.runs.filter((r: { status: string }) => r.status === "completed")).toHaveLength(2);
    const page = async (query: string) => body(await sweepRuns(get(`/api/sweeps/${sweepId}/runs?${query}`), params({ id: sweepId })));
    const done = await page("status=completed&sort=valLoss&dir=desc");
    expect(done.json.total).toBe(2);
    expect(done.json.runs[0].valLoss).toBeGreaterThanOrEqual(done.json.runs[1].valLoss);
    const last = await page("sort=seed&offset=6&limit=3");
    expect(last.json).toMatchObject({ total: 8, offset: 6, limit: 3 });
    expect(last.json.runs.map((r: { seed: number }) => r.seed)).toEqual([1, 1]);
    expect((await page("q=RELU")).json.total).toBe(4);
    // A heatmap cell's runs: its value on every axis but the seed.
    const cell = await page("activation=relu&initializer=he_normal&depth=2&width=8&optimizer=sgd&learningRate=0.1");
    expect(cell.json.total).toBe(2);
    expect(cell.json.runs.map((r: { seed: number }) => r.seed).sort()).toEqual([0, 1]);
    expect((await page("activation=relu&depth=3")).json.total).toBe(0);
    // Bounds on numeric columns: the completed runs at or above the worse one's accuracy, then only the better.
    const accuracies = done.json.runs.map((r: { valAccuracy: number }) => r.valAccuracy).sort((a: number, b: number) => a - b);
    expect((await page(`min.valAccuracy=${accuracies[0]}`)).json.total).toBe(2);
    expect((await page(`min.valAccuracy=${accuracies[0]}&max.depth=2`)).json.total).toBe(2);
    if (accuracies[0] < accuracies[1]) expect((await page(`min.valAccuracy=${(accuracies[0] + accuracies[1]) / 2}`)).json.total).toBe(1);
    // Several values of a text axis, separated by |.
    expect((await page("in.activation=relu|tanh")).json.total).toBe(8);
    expect((await page("in.activation=relu|sigmoid")).json.total).toBe(4);
    const csv = await sweepRuns(get(`/api/sweeps/${sweepId}/runs?format=csv&status=completed&sort=valLoss`), params({ id: sweepId }));
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="sweep-.*-runs\.csv"/);
    const lines = (await csv.text()).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id,activation,initializer,depth,width,optimizer,learningRate,dataset,seed,status,.*,valLoss,.*,diagnoses,error,stopped$/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(",")[0])
        .sort(),
    ).toEqual(done.json.runs.map((r: { id: string }) => r.id).sort());
    expect(lines[1]).toContain(",completed,");
    for (const [query, pattern] of [
      ["sort=bogus", /sort.*must be one of .*activation/],
      ["limit=0", /limit.*must be a whole number from 1 to 20000/],
      ["limit=20001", /limit.*must be a whole number from 1 to 20000/],
      ["status=lost", /status.*must be one of .*queued/],
      ["diagnosis=dead_relu", /diagnosis.*must be one of .*dead_units/],
      ["colour=red", /colour/],
      ["depth=2.5", /depth.*must be a whole number at least 0/],
      ["learningRate=-1", /learningRate.*must be a number greater than 0/],
      ["seed=x", /seed/],
      ["min.valLoss=abc", /min\.valLoss.*must be a number/],
      ["min.valAccuracy=0.9&max.valAccuracy=0.5", /min\.valAccuracy.*must not be above max\.valAccuracy/],
      ["min.colour=1", /colour/],
    ] as const) {
      const bad = await page(query);
      expect(bad.status, query).toBe(400);
      expect(JSON.stringify(bad.json), query).toMatch(pattern);
    }
    expect((await sweepRuns(get(""), params({ id: randomUUID() }))).status).toBe(404);
  });

  it("GET /api/runs/:id and /trace give the run and its trace, thinned to ?buckets, or as CSV", async () => {
    const one = await body(await run(get(""), params({ id: runIds[0]! })));
    expect(one.json).toMatchObject({ id: runIds[0], status: "completed", attempt: 1 });
    expect(one.json.layers).toHaveLength(3);
    const full = await body(await trace(get(`/api/runs/${runIds[0]}/trace?buckets=0`), params({ id: runIds[0]! })));
    expect(full.json.epochs).toHaveLength(5);
    expect(full.json.series.trainLoss).toHaveLength(5);
    const thin = await body(await trace(get(`/api/runs/${runIds[0]}/trace?buckets=2`), params({ id: runIds[0]! })));
    expect(thin.json.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 4]);
    expect(thin.json.series.trainLoss.length).toBeLessThanOrEqual(2);
    expect(thin.json.layerSeries.gradNorm).toHaveLength(3);
    const csv = await trace(get(`/api/runs/${runIds[0]}/trace?format=csv`), params({ id: runIds[0]! }));
    const lines = (await csv.text()).trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^epoch,trainLoss,.*layer1_gradNorm/);
    expect((await trace(get(`/api/runs/${runIds[0]}/trace?format=xml`), params({ id: runIds[0]! }))).status).toBe(400);
  });

  it("GET /api/compare gives several runs side by side", async () => {
    const both = await body(await compare(get(`/api/compare?runs=${runIds[0]},${runIds[3]}`)));
    expect(both.json.runs.map((r: { id: string }) => r.id)).toEqual([runIds[0], runIds[3]]);
    expect(both.json.runs[0].last.epoch).toBe(4);
    expect((await compare(get("/api/compare?runs="))).status).toBe(400);
    expect((await compare(get(`/api/compare?runs=${runIds[0]},nope`))).status).toBe(400);
    expect((await compare(get(`/api/compare?runs=${randomUUID()}`))).status).toBe(404);
  });

  it("GET /api/compare/layers follows one layer of each run over the epochs: first, middle, last, output or a numbered one", async () => {
    const ask = async (query: string) => body(await compareLayers(get(`/api/compare/layers?runs=${runIds[0]},${runIds[3]}${query}`)));
    const last = await ask("&metric=gradNorm&layer=last");
    expect(last.status).toBe(200);
    // Depth 2: the last hidden layer is layer 2, index 1 among the trace's layers.
    expect(last.json.runs.map((r: { layer: string }) => r.layer)).toEqual(["layer 2", "layer 2"]);
    const direct = await runSeries(services.db.prisma, [runIds[0]!], "gradNorm", 200, 1);
    expect(last.json.runs[0].buckets).toEqual(JSON.parse(JSON.stringify(toWire(direct.get(runIds[0]!)))));
    expect(last.json.runs[0].buckets.map((b: { toEpoch: number }) => b.toEpoch)).toEqual([0, 1, 2, 3, 4]);
    expect((await ask("&layer=output")).json.runs[0].layer).toBe("output");
    expect((await ask("")).json.runs[0].layer).toBe("layer 1");
    // A layer the nets do not have: no line, not an error.
    expect((await ask("&layer=5")).json.runs[0]).toEqual({ id: runIds[0], layer: null, buckets: [] });
    for (const [query, pattern] of [
      ["&metric=gradient", /metric.*must be one of .*gradNorm/],
      ["&layer=top", /layer/],
      ["&layer=0", /layer/],
      ["&layer=65", /layer/],
    ]) {
      const bad = await ask(query as string);
      expect(bad.status, query as string).toBe(400);
      expect(JSON.stringify(bad.json)).toMatch(pattern as RegExp);
    }
    expect((await compareLayers(get(`/api/compare/layers?runs=${randomUUID()}`))).status).toBe(404);
  });

  it("PATCH renames a sweep and keeps notes and tags on it and its runs, found by GET /api/sweeps?q=; bad changes are 400 naming the field", async () => {
    const patch = (path: string, b: unknown) =>
      new Request(`${base}${path}`, { method: "PATCH", body: JSON.stringify(b), headers: { "content-type": "application/json" } });
    const renamed = await body(
      await annotateSweep(patch("", { name: "  renamed  ", notes: "why: a check", tags: ["check", "check", "v2"] }), params({ id: sweepId })),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: sweepId, name: "renamed", notes: "why: a check", tags: ["check", "v2"] });
    const found = await body(await listSweeps(get("/api/sweeps?q=v2")));
    expect(found.json.sweeps.map((s: { id: string }) => s.id)).toEqual([sweepId]);
    expect((await body(await listSweeps(get("/api/sweeps?q=nothing-like-it")))).json.sweeps).toEqual([]);
    const noted = await body(await annotateRun(patch("", { tags: ["outlier"] }), params({ id: runIds[0]! })));
    expect(noted.json).toMatchObject({ id: runIds[0], tags: ["outlier"], notes: "" });
    for (const [b, pattern] of [
      [{}, /nothing to change/],
      [{ name: "" }, /name/],
      [{ tags: ["two words"] }, /tags\[0\].*one word/],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /tags.*20/],
      [{ notes: "x".repeat(10_001) }, /notes/],
      [{ status: "completed" }, /status/],
    ] as const) {
      const refused = await body(await annotateSweep(patch("", b), params({ id: sweepId })));
      expect(refused.status, JSON.stringify(b).slice(0, 40)).toBe(400);
      expect(JSON.stringify(refused.json)).toMatch(pattern);
    }
    expect((await annotateRun(patch("", { name: "runs have none" }), params({ id: runIds[0]! }))).status).toBe(400);
    expect((await annotateSweep(patch("", { notes: "x" }), params({ id: randomUUID() }))).status).toBe(404);
    expect((await annotateRun(patch("", { notes: "x" }), params({ id: "42" }))).status).toBe(400);
    await annotateSweep(patch("", { name: spec.name, notes: "", tags: [] }), params({ id: sweepId }));
  });

  it("DELETE /api/sweeps/:id deletes a sweep with its runs and traces; a second DELETE is 404", async () => {
    const created = await body(await createSweep(post("/api/sweeps", { ...spec, name: "to delete" })));
    const id = created.json.sweepId as string;
    const ids = (await services.db.prisma.run.findMany({ where: { sweepId: id } })).map((r) => r.id);
    await complete(ids[0]!);
    expect(await services.db.prisma.traceEpoch.count({ where: { runId: ids[0]! } })).toBe(5);
    const deleted = await body(await deleteSweep(new Request(`${base}/api/sweeps/${id}`, { method: "DELETE" }), params({ id })));
    expect(deleted).toEqual({ status: 200, json: { deleted: { runs: 8 } } });
    expect(await services.db.prisma.run.count({ where: { sweepId: id } })).toBe(0);
    expect(await services.db.prisma.traceEpoch.count({ where: { runId: ids[0]! } })).toBe(0);
    // Its waiting runs left the queue.
    expect(await Promise.all(ids.map((r) => control().queues.runs.any.getJob(r)))).toEqual(ids.map(() => undefined));
    expect((await deleteSweep(new Request(`${base}/api/sweeps/${id}`, { method: "DELETE" }), params({ id }))).status).toBe(404);
  });

  it("unknown ids are 404, malformed ids 400, never a 500", async () => {
    const unknown = randomUUID();
    for (const [handler, p] of [
      [sweep, { id: unknown }],
      [grid, { id: unknown }],
      [importance, { id: unknown }],
      [slices, { id: unknown }],
      [columns, { id: unknown }],
      [searchTrials, { id: unknown }],
      [sweepRuns, { id: unknown }],
      [run, { id: unknown }],
      [trace, { id: unknown }],
    ] as const) {
      expect((await handler(get(""), params(p))).status).toBe(404);
      expect((await handler(get(""), params({ id: "42" }))).status).toBe(400);
    }
    expect((await act(post(""), params({ id: unknown, action: "cancel" }))).status).toBe(404);
    expect((await act(post(""), params({ id: "42", action: "cancel" }))).status).toBe(400);
    expect((await act(post(""), params({ id: sweepId, action: "explode" }))).status).toBe(404);
    // A metric the grid does not aggregate is named, with the ones it does.
    const bad = await importance(get(`/api/sweeps/${sweepId}/importance?metric=accuracy`), params({ id: sweepId }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/"path":"metric".*valLoss/);
    const none = await searchTrials(get(`/api/sweeps/${sweepId}/search`), params({ id: sweepId }));
    expect(await none.json()).toEqual({ search: null });
    // Slices: each swept setting's spread per level; split by another setting; bad parameters named.
    // Every run as columns, in one order: ids, statuses, axes and final metrics.
    const cols = await body(await columns(get(`/api/sweeps/${sweepId}/columns`), params({ id: sweepId })));
    expect(cols.status).toBe(200);
    // In the order of the runs' ids.
    const at = [...runIds].sort().indexOf(runIds[0]!);
    expect(cols.json.status.codes).toHaveLength(runIds.length);
    const first = (await body(await run(get(""), params({ id: runIds[0]! })))).json;
    // Status and settings coded (each value once, a character a run), outcomes to float32's 7 significant digits.
    expect([...cols.json.activation.levels].sort()).toEqual(["relu", "tanh"]);
    expect(cols.json.activation.codes).toMatch(/^[01]+$/);
    for (const key of ["status", "activation", "initializer", "depth", "learningRate", "seed"])
      expect(columnValues(cols.json[key])[at], key).toEqual(first[key]);
    for (const key of ["valLoss", "valAccuracy", "gradientRatio"]) {
      const value = first[key] as number | null;
      expect(cols.json[key][at], key).toEqual(value === null ? null : Number(value.toPrecision(7)));
      if (value !== null) expect(Math.abs(cols.json[key][at] - value)).toBeLessThanOrEqual(Math.abs(value) * 5e-7);
    }
    // (Two runs completed so far, both tanh: the initializer is the one setting they vary.)
    const sliced = await body(await slices(get(`/api/sweeps/${sweepId}/slices?metric=valAccuracy`), params({ id: sweepId })));
    expect(sliced.status).toBe(200);
    expect(sliced.json.slices.map((s: { axis: string; levels: string[]; groups: string[] }) => [s.axis, s.levels, s.groups])).toEqual([
      ["initializer", ["he_normal", "xavier_normal"], ["all"]],
    ]);
    const runsOf = await Promise.all([runIds[0]!, runIds[3]!].map(async (id) => (await body(await run(get(""), params({ id })))).json));
    for (const r of runsOf) {
      const spread = sliced.json.slices[0].spreads[sliced.json.slices[0].levels.indexOf(r.initializer)][0];
      expect(spread).toEqual({ n: 1, min: r.valAccuracy, q1: r.valAccuracy, median: r.valAccuracy, q3: r.valAccuracy, max: r.valAccuracy });
    }
    for (const query of ["metric=accuracy", "by=seed", "by=colour", "extra=1"]) {
      const badSlices = await slices(get(`/api/sweeps/${sweepId}/slices?${query}`), params({ id: sweepId }));
      expect(badSlices.status, query).toBe(400);
    }
  });

  it("answers hostile input with 4xx naming what is wrong: deep nesting, NUL and lone surrogates, prototype names, oversized bodies", async () => {
    const deep = await body(await createSweep(post("/api/sweeps", "[".repeat(5000) + "1" + "]".repeat(5000))));
    expect(deep.status).toBe(400);
    expect(deep.json.issues[0].message).toMatch(/nested at most 32 levels/);
    for (const name of ["sweep\u0000name", "sweep\ud800", "\udfffsweep"]) {
      const response = await body(await createSweep(post("/api/sweeps", { ...spec, name })));
      expect(response.status).toBe(400);
      expect(response.json.issues[0]).toMatchObject({ path: "name", message: expect.stringContaining("NUL") });
    }
    for (const action of ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty"]) {
      const response = await body(await act(post(""), params({ id: sweepId, action })));
      expect(response.status).toBe(404);
      expect(response.json.error).toContain("actions: cancel, pause, resume, retry");
    }
    for (const query of ["q=%00", "q=%00&format=csv", "status=%00"]) {
      expect((await sweepRuns(get(`/api/sweeps/${sweepId}/runs?${query}`), params({ id: sweepId }))).status).toBe(400);
    }
    // Sent in chunks with no Content-Length, as the guard in front cannot see its size.
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => (sent++ < 20 ? c.enqueue(chunk) : c.close()) });
    const big = new Request(`${base}/api/sweeps`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    const tooBig = await body(await createSweep(big));
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error).toContain("GRADTRACE_MAX_BODY_BYTES");
  });

  it("answers a retried POST /api/sweeps with the same Idempotency-Key with the first sweep (200), storing nothing", async () => {
    const key = randomUUID();
    const keyed = (k: string) =>
      new Request(`${base}/api/sweeps`, { method: "POST", body: JSON.stringify(spec), headers: { "content-type": "application/json", "idempotency-key": k } });
    const first = await body(await createSweep(keyed(key)));
    expect(first.status).toBe(201);
    const count = await services.db.prisma.sweep.count();
    const again = await body(await createSweep(keyed(key)));
    expect(again).toEqual({ status: 200, json: { ...first.json, replayed: true } });
    expect(await services.db.prisma.sweep.count()).toBe(count);
    const bad = await body(await createSweep(keyed("has space")));
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain("Idempotency-Key");
    await control().queues.runs.any.drain();
  });

  it("answers 503 with Retry-After, not 500, when the queue cannot be reached", async () => {
    const gone = connectRedis("redis://127.0.0.1:1", "producer", () => undefined);
    try {
      const response = await handle(async () => Response.json(await gone.ping()));
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(((await response.json()) as { error: string }).error).toContain("Redis");
    } finally {
      gone.disconnect();
    }
  });

  it("never answers 5xx to generated requests: bodies, queries, ids and actions", async () => {
    const odd = fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.constantFrom("__proto__", "constructor", "\u0000", "\ud800", "1e309", "-0", "NaN"));
    const anyJson = fc.oneof(
      fc.jsonValue({ maxDepth: 8 }),
      fc.record({ name: odd, axes: fc.jsonValue({ maxDepth: 4 }), fixed: fc.jsonValue({ maxDepth: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(anyJson, async (input) => {
        expect((await createSweep(post("/api/sweeps?dryRun=1", input))).status).toBeLessThan(500);
      }),
      { numRuns: 10_000 },
    );
    // Notes and tags: any body is refused or stored, never a 5xx (the sweep's own are put back after).
    const annotation = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ name: odd, notes: odd, tags: fc.oneof(fc.array(odd, { maxLength: 25 }), odd) }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(annotation, async (input) => {
        const patch = (path: string) =>
          new Request(`${base}${path}`, { method: "PATCH", body: JSON.stringify(input), headers: { "content-type": "application/json" } });
        expect((await annotateSweep(patch(""), params({ id: sweepId }))).status).toBeLessThan(500);
        expect((await annotateRun(patch(""), params({ id: runIds[0]! }))).status).toBeLessThan(500);
      }),
      { numRuns: 1000 },
    );
    await services.db.prisma.sweep.update({ where: { id: sweepId }, data: { name: spec.name, notes: "", tags: [] } });
    await services.db.prisma.run.update({ where: { id: runIds[0]! }, data: { notes: "", tags: [] } });
    const key = fc.oneof(
      fc.constantFrom(
        "q",
        "format",
        "sort",
        "order",
        "status",
        "take",
        "skip",
        "limit",
        "cursor",
        "buckets",
        "metric",
        "layer",
        "by",
        "min.valLoss",
        "max.depth",
        "in.activation",
        "depth",
        "learningRate",
        "seed",
        "activation",
      ),
      odd,
    );
    const query = fc.dictionary(key, odd, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const search = new URLSearchParams(q).toString();
        expect((await sweepRuns(get(`/api/sweeps/${sweepId}/runs?${search}`), params({ id: sweepId }))).status).toBeLessThan(500);
        expect((await listSweeps(get(`/api/sweeps?${search}`))).status).toBeLessThan(500);
        expect((await trace(get(`/api/runs/${runIds[0]}/trace?${search}`), params({ id: runIds[0]! }))).status).toBeLessThan(500);
        expect((await importance(get(`/api/sweeps/${sweepId}/importance?${search}`), params({ id: sweepId }))).status).toBeLessThan(500);
        expect((await compareLayers(get(`/api/compare/layers?runs=${runIds[0]}&${search}`))).status).toBeLessThan(500);
        expect((await slices(get(`/api/sweeps/${sweepId}/slices?${search}`), params({ id: sweepId }))).status).toBeLessThan(500);
      }),
      { numRuns: 2000 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(odd, fc.uuid()), odd, async (id, action) => {
        expect((await act(post(""), params({ id, action }))).status).toBeLessThan(500);
      }),
      { numRuns: 5000 },
    );
  });

  it("POST /api/sweeps/:id/{pause,resume,retry,cancel} steer the sweep; a forbidden move is 409", async () => {
    const paused = await body(await act(post(""), params({ id: sweepId, action: "pause" })));
    expect(paused.json.status).toBe("paused");
    expect(await control().queues.runs.any.getWaitingCount()).toBe(0);
    expect((await body(await act(post(""), params({ id: sweepId, action: "resume" })))).json.status).toBe("running");
    expect(await control().queues.runs.any.getWaitingCount()).toBe(6);
    expect((await act(post(""), params({ id: sweepId, action: "retry" }))).status).toBe(200);
    const cancelled = await body(await act(post(""), params({ id: sweepId, action: "cancel" })));
    expect(cancelled.json).toMatchObject({ status: "cancelled", runs: { cancelled: 6, completed: 2 } });
    expect(await control().queues.runs.any.getWaitingCount()).toBe(0);
    const again = await body(await act(post(""), params({ id: sweepId, action: "resume" })));
    expect(again.status).toBe(409);
    expect(again.json.error).toMatch(/is cancelled/);
  });

  it("GET /api/workers lists announced workers and the queue depth", async () => {
    const now = new Date().toISOString();
    await announceWorker(
      control().redis,
      services.prefix,
      {
        id: "w-test",
        host: "h",
        pid: 1,
        device: "cpu",
        deviceName: "test",
        concurrency: 2,
        version: "0.1.0",
        startedAt: now,
        heartbeatAt: now,
        runs: [],
        completed: 3,
        runsPerMinute: 1,
      },
      5000,
    );
    const listed = await body(await workers());
    expect(listed.json.workers.map((w: { id: string }) => w.id)).toEqual(["w-test"]);
    expect(listed.json.queue).toHaveProperty("waiting");
  });

  it("GET /api/events streams a sweep's counts when they change and its runs' progress as it is published", async () => {
    const stream = await openEvents(`/api/events?sweep=${sweepId}`);
    await stream.until(/event: sweep\ndata: .*"status":"cancelled"/);
    // Nothing changed: no second tick. Epochs recorded: a new one, within a feed interval or two.
    await sleep(1500);
    expect(stream.text().match(/event: sweep/g)).toHaveLength(1);
    const before = (await getSweep(control().prisma, sweepId)).epochsTrained;
    await control().prisma.run.update({ where: { id: runIds[2]! }, data: { epochsDone: { increment: 7 } } });
    await stream.until(new RegExp(`event: sweep\ndata: .*"epochsTrained":${before + 7}`));
    // A worker's progress update reaches the stream within a second.
    const published = await publishProgress(sweepId, runIds[1]!, 3);
    await stream.until(/event: progress\ndata: .*"epoch":3.*"trainLoss":"NaN"/);
    expect(Date.now() - published).toBeLessThan(1000);
    stream.close();
    await control().prisma.run.update({ where: { id: runIds[2]! }, data: { epochsDone: { decrement: 7 } } });
  });

  it("GET /api/events?run= streams one run's state when it changes and only that run's progress", async () => {
    const [mine, other] = [runIds[3]!, runIds[4]!];
    const stream = await openEvents(`/api/events?run=${mine}`);
    await stream.until(new RegExp(`event: run\ndata: \\{"id":"${mine}","status":"[a-z]+","attempt":\\d+,"epochsDone":\\d+\\}`));
    await sleep(1000);
    await publishProgress(sweepId, other, 2);
    await publishProgress(sweepId, mine, 5);
    await stream.until(/event: progress\ndata: .*"epoch":5/);
    expect(stream.text()).not.toContain(other);
    await control().prisma.run.update({ where: { id: mine }, data: { epochsDone: 99 } });
    await stream.until(/event: run\ndata: .*"epochsDone":99/);
    stream.close();
    expect((await events(get(`/api/events?run=${randomUUID()}`))).status).toBe(404);
    expect((await events(get(`/api/events?run=x`))).status).toBe(400);
    expect((await events(get(`/api/events?run=${mine}&sweep=${sweepId}`))).status).toBe(400);
    expect((await events(get("/api/events?sweep=42"))).status).toBe(400);
    expect((await events(get(`/api/events?sweep=${randomUUID()}`))).status).toBe(404);
  });
});

/** Opens an event stream of the API and reads it in the background: `until` waits for a pattern in what has come. */
async function openEvents(path: string) {
  const abort = new AbortController();
  const response = await events(new Request(`${base}${path}`, { signal: abort.signal }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  void (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value);
  })().catch(() => undefined);
  return {
    text: () => text,
    until: async (pattern: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        await sleep(20);
      }
    },
    close: () => abort.abort(),
  };
}

/** Publishes a worker's progress of a run, as RunReporter does; returns when. */
async function publishProgress(sweepId: string, runId: string, epoch: number): Promise<number> {
  const job = await control().queues.runs.any.add("run", { v: PAYLOAD_VERSION }, { jobId: randomUUID() });
  const at = Date.now();
  await job.updateProgress(
    toWire({ v: PAYLOAD_VERSION, sweepId, runId, attempt: 1, epoch, epochs: 9, trainLoss: Number.NaN, valAccuracy: 0.5, worst: "diverged" }) as object,
  );
  return at;
}
