import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@gradtrace/db/testing";
import { fromWire } from "@gradtrace/core";
import type { Cell } from "./components/heatmap.tsx";
import { metricScale, scaleColour } from "./components/scales.ts";
import { checkPrerequisites, CLI, freePort, launchBrowser, NEXT, processes, REDIS_URL, WEB } from "./e2e-support.ts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// End to end in a real browser (Debian's chromium, driven by playwright-core) against the
// production build (`npm test` builds it first) with a real worker and the recorder in the server.
const ARTIFACTS = fileURLToPath(new URL("../../../artifacts/", import.meta.url));
const { start, waitFor, stopAll } = processes();

let db: TestDatabase;
let browser: Browser;
let page: Page;
let base = "";

beforeAll(async () => {
  checkPrerequisites();
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createTestDatabase("web_e2e");
  const env = { REDIS_URL, GRADTRACE_QUEUE_PREFIX: `gt-e2e-${randomBytes(4).toString("hex")}` };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The recorder runs inside the dashboard's server (GRADTRACE_RECORDER=1), as docker-compose runs it.
  const web = start(
    NEXT,
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    { ...env, DATABASE_URL: db.schemaUrl, NEXT_TELEMETRY_DISABLED: "1", GRADTRACE_RECORDER: "1" },
    WEB,
  );
  const worker = start(CLI, ["worker", "--concurrency", "2"], env);
  await waitFor(
    () => /Ready/.test(web.output()) && /"component":"recorder".*"msg":"ready/.test(web.output()) && /"device":"cpu".*"msg":"ready"/.test(worker.output()),
    60_000,
    "web with its recorder, and a worker",
  );
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  stopAll();
  await db?.drop();
});

/** The screenshots the README shows: refreshed by this test with GRADTRACE_DOCS_SCREENSHOTS=1 (the window, not the whole page). */
const DOCS = process.env.GRADTRACE_DOCS_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url)) : null;
const DOC_SHOTS = new Set(["home", "new-sweep", "sweep", "run-deep", "run-live", "compare", "search"]);

/** A full-page screenshot under artifacts/ (git-ignored), and the README's copy where asked for. */
async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  if (DOCS && DOC_SHOTS.has(name)) {
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: `${DOCS}${name}.png` });
  }
}

/** Launches a sweep through the API, as a script would; its id. */
async function launch(spec: object): Promise<string> {
  const created = await fetch(`${base}/api/sweeps`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  expect(created.status).toBe(201);
  return ((await created.json()) as { sweepId: string }).sweepId;
}

/** The heatmap cell of an activation (row) and an initializer (column) at a depth. */
async function heatmapCell(depth: number, activation: string, initializer: string) {
  const table = page.locator(`[data-testid=heatmap-${depth}]`);
  const column = (await table.locator("thead th").allTextContents()).indexOf(initializer);
  expect(column, `column of ${initializer}`).toBeGreaterThan(0);
  return table.locator(`tbody tr:has(th:text-is("${activation}")) td`).nth(column - 1);
}

/** Draws of a chart: line paths with data (a `d` with several segments) and tick labels on its axes. */
async function chartHasData(testId: string): Promise<void> {
  const chart = page.locator(`[data-testid="${testId}"]`);
  await expect.poll(() => chart.locator("path.recharts-curve, path.recharts-rectangle").count()).toBeGreaterThan(0);
  const d = await chart.locator("path.recharts-curve, path.recharts-rectangle").first().getAttribute("d");
  expect(d?.length ?? 0).toBeGreaterThan(20);
  expect(await chart.locator(".recharts-cartesian-axis-tick-value").count()).toBeGreaterThan(3);
  expect(await chart.locator(".recharts-legend-item, figcaption").count()).toBeGreaterThan(0);
}

describe("the dashboard in a browser", () => {
  let sweepUrl = "";

  it("creates a sweep through the form and watches it complete live, without reloading", async () => {
    await page.goto(`${base}/sweeps/new`);
    const spec = {
      name: "e2e symmetry",
      axes: {
        activations: [{ name: "tanh" }, { name: "relu" }],
        initializers: [{ name: "zeros" }, { name: "he_normal" }],
        depths: [2],
        widths: [16],
        optimizers: ["sgd"],
        learningRates: [0.1, 0.3],
        datasets: [{ name: "moons", samples: 400 }],
        seeds: [0, 1],
      },
      fixed: { epochs: 60, batchSize: 32 },
      sampling: { mode: "grid" },
    };
    // The count of the default preset appears once the page is hydrated and has asked the API.
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 30_000 }).toBe("180");
    await page.fill("#json", JSON.stringify(spec));
    await page.click("text=Apply JSON");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("16");
    // A bad value shows its error next to the field, and the count disappears.
    await page.fill("#depths", "2, 500");
    await expect
      .poll(() => page.locator("[data-error=depths]").textContent(), { timeout: 10_000 })
      .toMatch(/^must be a whole number from 1 to 64 \(got 500\)$/);
    await shot("new-sweep");
    // Type errors say what is allowed and show what was typed.
    await page.fill("#depths", "2.5");
    await expect.poll(() => page.locator("[data-error=depths]").textContent(), { timeout: 10_000 }).toBe("must be a whole number from 1 to 64 (got 2.5)");
    await page.fill("#depths", "2");
    await page.fill("#learningRates", "0.1, abc");
    await expect
      .poll(() => page.locator("[data-error=learningRates]").textContent(), { timeout: 10_000 })
      .toBe('must be a number greater than 0 and at most 100 (got "abc")');
    await page.fill("#learningRates", "0.1, 0.3");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("16");
    await page.click("text=Launch sweep");
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    sweepUrl = page.url();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await expect.poll(() => page.locator("[data-testid=sweep-status]").textContent(), { timeout: 90_000 }).toBe("completed");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await expect.poll(() => page.locator("[data-testid=sweep-counts]").textContent()).toMatch(/^16 completed/);
    expect(await page.locator("[data-testid=sweep-device]").textContent()).toMatch(/trained by any worker/);
  });

  it("shows the heatmap, one learning rate at a time, diagnosis counts and the run table", async () => {
    await expect.poll(() => page.locator("[data-testid=heatmap-2] td.cell").count()).toBe(4);
    // Each cell pools the 2 seeds of one learning rate, never the two rates (once the grid refetched after the last run).
    const cells = () => page.locator("[data-testid=heatmap-2] td.cell").allTextContents();
    await expect.poll(async () => (await cells()).every((c) => / ± .*2 of 2$/.test(c))).toBe(true);
    const first = await cells();
    expect(await page.locator("[data-testid=slice-learningRate] option").allTextContents()).toEqual(["0.1", "0.3"]);
    await page.selectOption("[data-testid=slice-learningRate]", "0.3");
    await expect.poll(() => page.locator("[data-testid=heatmap-2] td.cell").allTextContents()).not.toEqual(first);
    expect((await page.locator("[data-testid=heatmap-2] td.cell").allTextContents()).every((c) => / ± .*2 of 2$/.test(c))).toBe(true);
    await page.selectOption("[data-testid=slice-learningRate]", "0.1");
    // Colours come from each metric's fixed scale: every cell has the colour its stored mean has
    // on that scale, so equal values (zero init trains tanh and ReLU alike) have equal colours.
    const { cells: stored } = (await (await fetch(`${base}/api/sweeps/${sweepUrl.split("/").pop()}/grid`)).json()) as { cells: Cell[] };
    const rgbOf = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
    for (const metric of ["valLoss", "log10GradientRatio"] as const) {
      await page.selectOption("#metric", metric);
      for (const cell of stored.filter((c) => c.learningRate === 0.1)) {
        const td = await heatmapCell(2, cell.activation, cell.initializer);
        const mean = fromWire(cell[metric].mean);
        if (mean === null) {
          // Zero init: no layer gets a gradient, so the ratio is 0/0 — said in the cell, not coloured as data.
          expect(await td.getAttribute("data-state")).toBe("novalue");
          expect(await td.textContent()).toMatch(/^no value0 of 2/);
          continue;
        }
        const expected = rgbOf(scaleColour(metricScale(metric, Number(cell.classes)), mean)!);
        expect(await td.evaluate((el) => getComputedStyle(el).backgroundColor), `${metric} ${cell.activation} ${cell.initializer}`).toBe(expected);
      }
    }
    await page.selectOption("#metric", "valLoss");
    const [zeros, tanhZeros] = [await heatmapCell(2, "relu", "zeros"), await heatmapCell(2, "tanh", "zeros")];
    expect(await zeros.textContent()).toBe(await tanhZeros.textContent());
    expect(await zeros.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(await tanhZeros.evaluate((el) => getComputedStyle(el).backgroundColor));
    // The legend draws the scale and names its ends.
    expect(await page.locator("[data-testid=heatmap-legend]").textContent()).toMatch(/0.*≥ 0\.693 \(guessing: ln 2\)/);
    await expect.poll(() => page.locator("[data-testid=diagnosis-counts]").textContent()).toMatch(/symmetric_units: 8/);
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(16);
    // Which setting matters: activation, initializer and learning rate, their 3 pairs and the rest, each a bar.
    await expect
      .poll(() => page.locator("[data-testid=importance-method]").textContent())
      .toBe("functional ANOVA, exact on the complete grid (8 of 8 cells, 16 completed runs; error bars: ± std over 2 seeds, each decomposed alone)");
    await expect.poll(() => page.locator("[data-testid=chart-importance] .recharts-bar-rectangle").count()).toBe(7);
    const ticks = await page.locator("[data-testid=chart-importance] .recharts-cartesian-axis-tick-value").allTextContents();
    expect(ticks.filter((t) => !t.endsWith("%")).slice(0, 4)).toEqual(["activation", "initializer", "learningRate", "activation × initializer"]);
    // One depth: no depth curve.
    expect(await page.locator("[data-testid=chart-depth-curve]").count()).toBe(0);
    // Slices: a chart per swept setting, a box per level over its 8 runs; split by the activation, a box per level and activation.
    await expect.poll(() => page.locator("[data-testid=slices] figure").count()).toBe(3);
    for (const axis of ["activation", "initializer", "learningRate"])
      await expect.poll(() => page.locator(`[data-testid=chart-slice-${axis}] .recharts-bar-rectangle`).count(), { message: axis }).toBe(2);
    await page.selectOption("[aria-label='slices split']", "activation");
    await expect.poll(() => page.locator("[data-testid=slices] figure").count()).toBe(2);
    await expect.poll(() => page.locator("[data-testid=chart-slice-initializer] .recharts-bar-rectangle").count()).toBe(4);
    expect((await page.locator("[data-testid=slices-group]").allTextContents()).map((t) => t.trim())).toEqual(["relu", "tanh"]);
    // Zero init stays at chance whatever the activation: its boxes sit at the loss of guessing, He's far below.
    const [file] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=chart-slice-initializer] button[data-export=json]")]);
    const boxes = JSON.parse(readFileSync((await file.path())!, "utf8")) as Array<{ level: string; n: number; median: number }>;
    expect(boxes.map((b) => [b.level, b.n])).toEqual([
      ["he_normal · relu", 4],
      ["he_normal · tanh", 4],
      ["zeros · relu", 4],
      ["zeros · tanh", 4],
    ]);
    expect(boxes[2]!.median).toBeGreaterThan(boxes[0]!.median);
    await page.selectOption("[aria-label='slices split']", "none");
    // Parallel coordinates: every finished run a line across the swept settings and the outcomes.
    const plot = page.locator("[data-testid=chart-parallel-coordinates] canvas");
    await expect.poll(() => plot.getAttribute("data-runs")).toBe("16");
    const axes = (await plot.getAttribute("data-axes"))!.split(",");
    expect(axes.slice(0, 3)).toEqual(["activation", "initializer", "learningRate"]);
    expect(axes).toContain("valAccuracy");
    const inked = await plot.evaluate((c) => {
      const pixels = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(5000);
    /** Drags along an axis of the plot from one height to another (0 its bottom, 1 its top), where the canvas is now. */
    const brush = async (axis: string, from: number, to: number) => {
      await plot.scrollIntoViewIfNeeded();
      const box = (await plot.boundingBox())!;
      // The canvas's own geometry (1100 × 360, axes 60 px in from the sides, 34 px from the top, 24 from the bottom).
      const x = box.x + ((60 + (axes.indexOf(axis) * (1100 - 120)) / (axes.length - 1)) * box.width) / 1100;
      const y = (p: number) => box.y + ((34 + (1 - p) * (360 - 34 - 24)) * box.height) / 360;
      await page.mouse.move(x, y(from));
      await page.mouse.down();
      await page.mouse.move(x, y((from + to) / 2), { steps: 4 });
      await page.mouse.move(x, y(to), { steps: 4 });
      await page.mouse.up();
    };
    // Brushing the top of the accuracy axis keeps He's 8 runs (0.96–0.99), not zero init's (0.438): the run table follows,
    // asking once, when the brush is let go, not at every move of the drag.
    const tableAsks: string[] = [];
    const onRequest = (r: { url(): string }) => void (r.url().includes("/runs?") && r.url().includes("valAccuracy") && tableAsks.push(r.url()));
    page.on("request", onRequest);
    await brush("valAccuracy", 1, 0.8);
    await expect.poll(() => page.locator("[data-testid=parallel-selected]").textContent()).toBe("8 of 16 finished runs in the brushes");
    await expect.poll(() => page.locator("[data-testid=runs-page]").textContent()).toMatch(/runs 1–8 of 8/);
    page.off("request", onRequest);
    expect(tableAsks).toHaveLength(1);
    expect(await page.locator("[data-testid=bounds-filter]").textContent()).toMatch(/^in the brushes: valAccuracy 0\.8\d+–0\.988/);
    expect((await page.locator("[data-testid=runs] tbody tr td:nth-child(3)").allTextContents()).every((t) => t === "he_normal")).toBe(true);
    // The brush is in the URL: a reload draws it again, and the table follows it again.
    await expect.poll(() => new URL(page.url()).searchParams.get("brush.valAccuracy")).toMatch(/^0\.8\d*\.\.0\.98\d*$/);
    await page.reload();
    await expect.poll(() => page.locator("[data-testid=parallel-selected]").textContent()).toBe("8 of 16 finished runs in the brushes");
    await expect.poll(() => page.locator("[data-testid=runs-page]").textContent()).toMatch(/runs 1–8 of 8/);
    await page.click("text=clear brushes");
    await expect.poll(() => page.locator("[data-testid=parallel-selected]").textContent()).toBe("16 finished runs");
    // A brush over a category: the initializer axis's lower category, He, keeps its 8 runs in the table.
    await brush("initializer", 0.05, 0.4);
    await expect.poll(() => page.locator("[data-testid=runs-page]").textContent()).toMatch(/runs 1–8 of 8/);
    expect(await page.locator("[data-testid=bounds-filter]").textContent()).toMatch(/initializer he_normal/);
    await page.click("text=clear brushes");
    await expect.poll(() => page.locator("[data-testid=runs-page]").textContent()).toMatch(/runs 1–16 of 16/);
    await page.selectOption("#metric", "valAccuracy");
    await shot("sweep");
  });

  it("filters, orders and pages the run table on the server", async () => {
    const rows = page.locator("[data-testid=runs] tbody tr");
    const pageText = () => page.locator("[data-testid=runs-page]").textContent();
    // A heatmap cell picks its runs: both seeds of tanh · he_normal at lr 0.1, and offers to compare them.
    await (await heatmapCell(2, "tanh", "he_normal")).click();
    await expect.poll(pageText).toMatch(/runs 1–2 of 2/);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [1, 2, 5].map((i) => tr.children[i]!.textContent).join(" ")))).toEqual([
      "tanh he_normal 0.1",
      "tanh he_normal 0.1",
    ]);
    expect(await page.locator("[data-testid=compare-cell]").textContent()).toBe("compare these 2");
    expect((await page.locator("[data-testid=compare-cell]").getAttribute("href"))!.split("=")[1]!.split(",")).toHaveLength(2);
    await page.click("[data-testid=cell-filter]");
    await expect.poll(pageText).toMatch(/runs 1–16 of 16/);
    // A diagnosis count filters the table to its runs, and a second click lifts the filter.
    // One page holds them all: neither way to turn it is open.
    expect(await page.locator("[data-testid=runs-page] button").evaluateAll((b) => b.map((x) => (x as HTMLButtonElement).disabled))).toEqual([true, true]);
    await page.click("[data-testid=diagnosis-counts] >> text=symmetric_units: 8");
    await expect.poll(pageText).toMatch(/runs 1–8 of 8/);
    expect(await rows.count()).toBe(8);
    expect((await rows.locator("td:nth-child(3)").allTextContents()).every((init) => init === "zeros")).toBe(true);
    await page.click("[data-testid=diagnosis-counts] >> text=symmetric_units: 8");
    await expect.poll(pageText).toMatch(/runs 1–16 of 16/);
    await page.fill("input[placeholder^=filter]", "relu");
    await expect.poll(pageText).toMatch(/runs 1–8 of 8/);
    expect((await rows.locator("td:nth-child(2)").allTextContents()).every((a) => a === "relu")).toBe(true);
    // The CSV link downloads every run the filter matches.
    const href = (await page.locator("[data-testid=runs-csv]").getAttribute("href"))!;
    expect(href).toMatch(/format=csv.*q=relu/);
    const lines = (await page.evaluate(async (url) => (await fetch(url)).text(), href)).trimEnd().split("\n");
    expect(lines).toHaveLength(9);
    expect(lines.slice(1).every((l) => l.split(",")[1] === "relu")).toBe(true);
    // Ordered by validation loss, smallest first, then largest first.
    await page.click("[data-testid=runs] th >> text=val. loss");
    await expect.poll(() => page.locator("[data-testid=runs] th >> text=val. loss").textContent()).toMatch(/▲/);
    const losses = async () => (await rows.locator("td:nth-child(11)").allTextContents()).map(Number);
    await expect
      .poll(async () => {
        const l = await losses();
        return l.every((v, i) => i === 0 || l[i - 1]! <= v);
      })
      .toBe(true);
    await page.click("[data-testid=runs] th >> text=val. loss");
    await expect
      .poll(async () => {
        const l = await losses();
        return l.length === 8 && l.every((v, i) => i === 0 || l[i - 1]! >= v);
      })
      .toBe(true);
    await page.fill("input[placeholder^=filter]", "");
    await expect.poll(pageText).toMatch(/runs 1–16 of 16/);
    // Pages of 10: the second holds the last 6 runs of the order, the first the 10 before them.
    const order = await rows.locator("td:nth-child(11)").allTextContents();
    await page.selectOption("[data-testid=page-size]", "10");
    await expect.poll(pageText).toMatch(/runs 1–10 of 16/);
    await page.click("[data-testid=runs-page] >> text=next");
    await expect.poll(pageText).toMatch(/runs 11–16 of 16/);
    expect(await rows.locator("td:nth-child(11)").allTextContents()).toEqual(order.slice(10));
    await page.click("[data-testid=runs-page] >> text=previous");
    await expect.poll(pageText).toMatch(/runs 1–10 of 16/);
    expect(await rows.locator("td:nth-child(11)").allTextContents()).toEqual(order.slice(0, 10));
    await page.selectOption("[data-testid=page-size]", "100");
    await expect.poll(pageText).toMatch(/runs 1–16 of 16/);
    // Back in the default order (by activation), as the next test finds the table.
    await page.click("[data-testid=runs] th >> text=activation");
    await expect.poll(() => rows.first().locator("td:nth-child(3)").textContent()).toBe("he_normal");
  });

  it("opens a run and shows its charts with data, axes and legends", async () => {
    await page.locator("[data-testid=runs] tbody tr td a").first().click();
    await page.waitForURL(/\/runs\//);
    await expect.poll(() => page.locator("[data-testid=run-status]").textContent()).toBe("completed");
    for (const chart of ["chart-loss", "chart-accuracy", "chart-gradient norm per layer", "chart-activationStd by layer", "chart-fractions"])
      await chartHasData(chart);
    expect(await page.locator("[data-testid=histograms] figure").count()).toBe(3);
    await page.fill("#epoch", "30");
    await shot("run");
    // Every chart downloads, for papers: its data as CSV and JSON, its picture as SVG and PNG.
    const download = async (chart: string, kind: string) => {
      const [file] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid="${chart}"] button[data-export=${kind}]`)]);
      return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
    };
    const lossCsv = await download("chart-loss", "csv");
    expect(lossCsv.name).toBe("gradtrace-loss.csv");
    const lines = lossCsv.bytes.toString("utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("epoch,trainLoss,valLoss");
    expect(lines).toHaveLength(62); // epochs 0…60 and the header
    const lossJson = JSON.parse((await download("chart-loss", "json")).bytes.toString("utf8")) as Array<{ epoch: number }>;
    expect(lossJson.map((r) => r.epoch)).toEqual(Array.from({ length: 61 }, (_, i) => i));
    const svg = (await download("chart-loss", "svg")).bytes.toString("utf8");
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("recharts-line-curve");
    // The legend, HTML on the page, is drawn into the picture.
    expect(svg).toMatch(/<text[^>]*>train<\/text>/);
    expect(svg).toMatch(/<text[^>]*>validation<\/text>/);
    writeFileSync(`${ARTIFACTS}export-loss.png`, (await download("chart-loss", "png")).bytes);
    const png = await download("chart-histogram-0", "png");
    expect(png.name).toBe("gradtrace-histogram-0.png");
    expect(png.bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(png.bytes.length).toBeGreaterThan(2000);
    // Distributions over training: a heat strip per layer, drawn (not blank), downloadable as PNG (a canvas has no SVG).
    expect(await page.locator("[data-testid=distributions] canvas").count()).toBe(3);
    for (let layer = 0; layer < 3; layer++) {
      const inked = await page.locator(`[data-testid=chart-distribution-${layer}] canvas`).evaluate((c) => {
        const canvas = c as HTMLCanvasElement;
        const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 250) n++;
        return n;
      });
      expect(inked).toBeGreaterThan(300);
    }
    expect(await page.locator("[data-testid=chart-distribution-0] button[data-export=svg]").count()).toBe(0);
    const strip = await download("chart-distribution-0", "png");
    expect(strip.bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    const stripRows = (await download("chart-distribution-0", "csv")).bytes.toString("utf8").split("\n");
    expect(stripRows[0]).toBe("epoch,bin,count");
    // The same figures of the pre-activations z, binned over their own range; the choice kept in the URL.
    const binRange = async () => {
      const rows = (await download("chart-histogram-0", "csv")).bytes.toString("utf8").trimEnd().split("\n");
      return [rows[1]!.split(",")[0], rows.at(-1)!.split(",")[1]];
    };
    const activationRange = await binRange();
    expect(activationRange).not.toEqual(["-16", "16"]);
    await page.click('[data-testid=histogram-of] button:has-text("pre-activations z")');
    await page.waitForURL(/histograms=preActivationHistogram/);
    await expect.poll(binRange).toEqual(["-16", "16"]);
    // The chosen one stands out from the other.
    const weights = () => page.locator("[data-testid=histogram-of] button").evaluateAll((buttons) => buttons.map((b) => getComputedStyle(b).fontWeight));
    expect(await weights()).toEqual(["400", "600"]);
    expect(await page.locator("h2", { hasText: "Pre-activation histograms at epoch 30" }).count()).toBe(1);
    expect(await page.locator("[data-testid=histograms] figure").count()).toBe(3);
    const preRows = (await download("chart-distribution-0", "csv")).bytes.toString("utf8").trimEnd().split("\n");
    expect(preRows.slice(1).join("\n")).not.toBe(stripRows.slice(1).join("\n").trimEnd());
    await page.click('[data-testid=histogram-of] button:has-text("activations h")');
    await expect.poll(binRange).toEqual(activationRange);
    expect(await weights()).toEqual(["600", "400"]);
    // A value the page does not know in the URL opens the activations.
    await page.goto(page.url().replace(/\?.*$/, "") + "?histograms=bogus");
    await expect.poll(() => page.locator("h2", { hasText: "Activation histograms at epoch" }).count()).toBe(1);
    expect(await weights()).toEqual(["600", "400"]);
  });

  it("compares two runs: overlaid curves and depth profiles, grouped with a band", async () => {
    await page.goto(sweepUrl);
    const boxes = page.locator("[data-testid=runs] tbody input[type=checkbox]");
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.click("[data-testid=compare-link]");
    await page.waitForURL(/\/compare\?runs=/);
    await chartHasData("chart-valLoss over epochs");
    await chartHasData("chart-activationStd by layer");
    expect(await page.locator('[data-testid="chart-valLoss over epochs"] .recharts-legend-item').count()).toBe(2);
    // One layer of each run over the epochs: the first hidden layer, then the last, then the output.
    await chartHasData("chart-gradNorm per layer over epochs");
    expect(await page.locator('[data-testid="chart-gradNorm per layer over epochs"] .recharts-legend-item').count()).toBe(2);
    await expect.poll(() => page.locator("[data-testid=layers-followed]").textContent()).toBe("lines follow every run's layer 1");
    await page.selectOption("[data-testid=layer-pick]", "last");
    await expect.poll(() => page.locator("[data-testid=layers-followed]").textContent()).toBe("lines follow every run's layer 2");
    await page.selectOption("#layer-metric", "activationStd");
    await page.selectOption("[data-testid=layer-pick]", "output");
    await expect.poll(() => page.locator("[data-testid=layers-followed]").textContent()).toBe("lines follow every run's output");
    await chartHasData("chart-activationStd per layer over epochs");
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({ layer: "output", layerMetric: "activationStd" });
    await page.selectOption("#group", "activation");
    await expect.poll(() => page.locator('[data-testid="chart-valLoss over epochs"] .recharts-legend-item').count()).toBe(1);
    await shot("compare");
  });

  it("draws legible charts: legends in layer order beside the plot, distinct colours, distinct ticks, the first epoch of a long run, log axes and smoothing", async () => {
    const deep = {
      name: "deep and long",
      axes: {
        activations: ["tanh"],
        initializers: ["xavier_normal"],
        depths: [11],
        widths: [4],
        learningRates: [0.05],
        datasets: [{ name: "moons", samples: 200 }],
        seeds: [0],
      },
      fixed: { epochs: 500, batchSize: 50 },
    };
    const sweepId = await launch(deep);
    const runsOf = async () => ((await (await fetch(`${base}/api/sweeps/${sweepId}/runs`)).json()) as { runs: Array<{ id: string; status: string }> }).runs;
    await waitFor(async () => (await runsOf())[0]?.status === "completed", 60_000, "the deep run");
    await page.goto(`${base}/runs/${(await runsOf())[0]!.id}`);
    const grad = page.locator('[data-testid="chart-gradient norm per layer"]');
    await expect.poll(() => grad.locator(".recharts-legend-item").count()).toBe(12);
    // Numeric order (recharts' default put layer 10 after layer 1), every series its own colour.
    expect(await grad.locator(".recharts-legend-item").allTextContents()).toEqual([...Array.from({ length: 11 }, (_, i) => `layer ${i + 1}`), "output"]);
    const strokes = () => grad.locator("path.recharts-line-curve").evaluateAll((paths) => new Set(paths.map((p) => p.getAttribute("stroke"))).size);
    await expect.poll(strokes).toBe(12);
    // The legend sits beside the plot, not over it.
    const plot = (await grad.locator(".recharts-cartesian-grid").boundingBox())!;
    const legend = (await grad.locator(".recharts-legend-wrapper").boundingBox())!;
    expect(legend.x).toBeGreaterThanOrEqual(plot.x + plot.width - 1);
    // Ticks: none repeated, none cut off at the chart's left edge.
    for (const id of ["chart-loss", "chart-accuracy", "chart-gradient norm per layer"]) {
      const chart = page.locator(`[data-testid="${id}"]`);
      const ticks = await chart.locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
      expect(ticks.length, id).toBeGreaterThan(2);
      expect(new Set(ticks).size, `${id}: ${ticks.join(" ")}`).toBe(ticks.length);
      const left = (await chart.locator(".recharts-wrapper > svg.recharts-surface").boundingBox())!.x;
      for (const box of await chart
        .locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value")
        .evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect().left)))
        expect(box, id).toBeGreaterThanOrEqual(left);
    }
    // Downsampled to 200 buckets, the curve still starts at epoch 0 and ends at the last epoch.
    const [file] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="chart-loss"] button[data-export=json]')]);
    const epochs = (JSON.parse(readFileSync((await file.path())!, "utf8")) as Array<{ epoch: number }>).map((r) => r.epoch);
    expect(epochs.length).toBeLessThan(500);
    expect([epochs[0], epochs.at(-1)]).toEqual([0, 500]);
    // The gradient norms start on a log axis, labelled in powers of ten; the switch makes it linear.
    const gradTicks = () => grad.locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
    expect((await gradTicks()).every((t) => /^(1e-?\d+|0\.0*1|10*)$/.test(t))).toBe(true);
    await grad.locator("[data-testid=log-toggle]").click();
    await expect.poll(async () => (await gradTicks()).every((t) => /^(1e-?\d+|0\.0*1|10*)$/.test(t))).toBe(false);
    // Smoothing draws the smoothed curves over faint raw ones, the legend unchanged.
    const loss = page.locator('[data-testid="chart-loss"]');
    const rawPath = await loss.locator("path.recharts-line-curve").first().getAttribute("d");
    await loss.locator("input[aria-label=smoothing]").fill("0.9");
    await expect.poll(() => loss.locator("path.recharts-line-curve").count()).toBe(4);
    expect(await loss.locator(".recharts-legend-item").allTextContents()).toEqual(["train", "validation"]);
    expect(await loss.locator("path.recharts-line-curve").nth(1).getAttribute("d")).not.toBe(rawPath);
    // Back to the log axis for the picture.
    await grad.locator("[data-testid=log-toggle]").click();
    await expect.poll(async () => (await gradTicks()).every((t) => /^(1e-?\d+|0\.0*1|10*)$/.test(t))).toBe(true);
    await shot("run-deep");
    // Gone again, so the home page's tests find only their own sweeps.
    expect((await fetch(`${base}/api/sweeps/${sweepId}`, { method: "DELETE", headers: { "content-type": "application/json" } })).status).toBe(200);
  });

  it("keeps every view in its URL: a reload or a shared link opens the same sweep, run and comparison view", async () => {
    await page.goto(sweepUrl);
    const pageText = () => page.locator("[data-testid=runs-page]").textContent();
    await page.selectOption("#metric", "valAccuracy");
    await page.selectOption("[data-testid=slice-learningRate]", "0.3");
    await page.selectOption("[data-testid=status-filter]", "completed");
    await page.click("[data-testid=runs] th >> text=val. loss");
    await page.click("[data-testid=runs] th >> text=val. loss");
    await page.selectOption("[data-testid=page-size]", "10");
    await page.click("[data-testid=runs-page] >> text=next");
    await expect.poll(pageText).toMatch(/runs 11–16 of 16/);
    await page.locator("[data-testid=runs] tbody input[type=checkbox]").nth(0).check();
    const before = {
      rows: await page.locator("[data-testid=runs] tbody tr").allTextContents(),
      cells: await page.locator("[data-testid=heatmap-2] td.cell").allTextContents(),
    };
    await expect.poll(() => new URL(page.url()).searchParams.get("selected")).toMatch(/^[0-9a-f-]{36}$/);
    const shared = page.url();
    expect(Object.fromEntries(new URL(shared).searchParams)).toMatchObject({
      metric: "valAccuracy",
      "slice.learningRate": "0.3",
      status: "completed",
      sort: "valLoss",
      dir: "desc",
      limit: "10",
      offset: "10",
    });
    await page.goto("about:blank");
    await page.goto(shared);
    expect(await page.inputValue("#metric")).toBe("valAccuracy");
    expect(await page.inputValue("[data-testid=slice-learningRate]")).toBe("0.3");
    expect(await page.inputValue("[data-testid=status-filter]")).toBe("completed");
    expect(await page.inputValue("[data-testid=page-size]")).toBe("10");
    expect(await pageText()).toMatch(/runs 11–16 of 16/);
    expect(await page.locator("[data-testid=runs] th >> text=val. loss").textContent()).toMatch(/▼/);
    expect(await page.locator("[data-testid=runs] tbody tr").allTextContents()).toEqual(before.rows);
    expect(await page.locator("[data-testid=heatmap-2] td.cell").allTextContents()).toEqual(before.cells);
    expect(await page.locator("[data-testid=runs] tbody input[type=checkbox]").nth(0).isChecked()).toBe(true);
    // A picked heatmap cell is in the URL too.
    await (await heatmapCell(2, "relu", "he_normal")).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("activation")).toBe("relu");
    await page.reload();
    expect(await page.locator("[data-testid=cell-filter]").textContent()).toMatch(/^relu · he_normal · depth 2/);
    // The run page: the depth profile's epoch and metric.
    await page.goto(`${base}${await page.locator("[data-testid=runs] tbody tr a").first().getAttribute("href")}`);
    // The trace arrives after the page: the slider has its epochs once it has.
    await expect.poll(() => page.locator("#epoch").getAttribute("max")).not.toBe("0");
    await page.fill("#epoch", "30");
    await page.selectOption("[aria-label='depth profile metric']", "gradNorm");
    await expect.poll(() => new URL(page.url()).searchParams.get("metric")).toBe("gradNorm");
    const epochShown = await page.locator("label[for=epoch]").textContent();
    await page.reload();
    await expect.poll(() => page.locator("label[for=epoch]").textContent()).toBe(epochShown);
    expect(await page.inputValue("[aria-label='depth profile metric']")).toBe("gradNorm");
    // The comparison: its grouping.
    await page.goto(sweepUrl);
    const boxes = page.locator("[data-testid=runs] tbody input[type=checkbox]");
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.click("[data-testid=compare-link]");
    await page.waitForURL(/\/compare\?runs=/);
    await page.selectOption("#group", "activation");
    await expect.poll(() => new URL(page.url()).searchParams.get("group")).toBe("activation");
    await page.reload();
    expect(await page.inputValue("#group")).toBe("activation");
    await expect.poll(() => page.locator('[data-testid="chart-valLoss over epochs"] .recharts-legend-item').count()).toBe(1);
  });

  it("lists the sweep and the connected worker on the home page", async () => {
    await page.goto(base);
    await expect.poll(() => page.locator("[data-testid=sweeps] tbody tr").count()).toBe(1);
    await expect.poll(() => page.locator("[data-testid=workers] tbody tr").count(), { timeout: 10_000 }).toBe(1);
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    const served = await fetch(new URL(icon!, base));
    expect([served.status, served.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
    await shot("home");
  });

  it("refuses another host (DNS rebinding) and changes asked by a page of another site, and frames nowhere", async () => {
    const raw = (path: string, headers: Record<string, string>, method = "GET", body = "") =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers }));
        });
        req.on("error", reject).end(body);
      });
    expect((await raw("/", { host: "evil.example" })).status).toBe(421);
    expect((await raw("/api/sweeps", { host: new URL(base).host, origin: "http://evil.example", "content-type": "text/plain" }, "POST", "{}")).status).toBe(
      403,
    );
    const home = await raw("/", {});
    expect(home.status).toBe(200);
    expect(home.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(home.headers["x-frame-options"]).toBe("DENY");
    expect(home.headers["x-content-type-options"]).toBe("nosniff");

    const sweeps = async () => ((await (await fetch(`${base}/api/sweeps`)).json()) as { sweeps: Array<{ id: string; status: string }> }).sweeps;
    const before = await sweeps();
    // A page of another origin (another port) that posts a sweep as a text/plain form — name=value
    // makes valid JSON, {"name":"csrf=",…}, so only the guard stops it — and a cancel with fetch.
    const spec = JSON.stringify({
      name: "csrf",
      axes: { activations: ["relu"], initializers: ["he_normal"], depths: [1], widths: [2], learningRates: [0.1] },
      fixed: { epochs: 1, batchSize: 32 },
    });
    const evil = createHttpServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<form id="f" method="POST" action="${base}/api/sweeps" enctype="text/plain"><input name='{"name":"csrf' value='${spec.slice('{"name":"csrf'.length)}'></form>
        <script>fetch("${base}/api/sweeps/${before[0]!.id}/cancel", { method: "POST", mode: "no-cors", body: "{}" }).finally(() => document.getElementById("f").submit());</script>`);
    });
    await new Promise<void>((done) => evil.listen(0, "127.0.0.1", done));
    try {
      const attacker = await browser.newPage();
      const answered = attacker.waitForResponse((r) => r.url() === `${base}/api/sweeps`);
      await attacker.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
      expect((await answered).status()).toBe(403);
      await attacker.close();
    } finally {
      evil.close();
    }
    const after = await sweeps();
    expect(after.map((s) => [s.id, s.status])).toEqual(before.map((s) => [s.id, s.status]));
  });

  let longId = "";
  it("follows a long sweep live: running rows' epochs advance, a run page gains epochs, neither reloaded", async () => {
    const long = {
      name: "long",
      axes: {
        activations: ["relu"],
        initializers: ["he_normal"],
        depths: [4],
        widths: [256],
        learningRates: [0.01],
        datasets: [{ name: "moons", samples: 20000 }],
        seeds: [0, 1, 2, 3],
      },
      fixed: { epochs: 200, batchSize: 32 },
    };
    longId = await launch(long);
    await page.goto(`${base}/sweeps/${longId}`);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    // The worker's two slots take two runs: their rows say running, with the epoch they are at.
    const running = page.locator("[data-testid=runs] tbody tr").filter({ has: page.locator("[data-testid=run-status-cell]", { hasText: "running" }) });
    await expect.poll(() => running.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const epochOf = async () => Number((await running.first().locator("[data-testid=run-epoch]").textContent())!.split("/")[0]);
    const first = await epochOf();
    await expect.poll(epochOf, { timeout: 30_000 }).toBeGreaterThan(first);
    expect(await running.first().locator("[data-testid=run-epoch]").textContent()).toMatch(/^\d+\/200$/);
    // The latest train loss and val. accuracy, in italics; no val. loss until the end.
    expect(await running.first().locator("td.live").count()).toBe(2);
    expect(await page.locator("[data-testid=sweep-counts]").textContent()).toMatch(/[12] running/);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
    // A running run's page: the epoch it trains, and stored epochs (charts, slider, histograms) growing.
    await page.goto(`${base}${await running.first().locator("a").first().getAttribute("href")}`);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 8));
    await expect.poll(() => page.locator("[data-testid=run-live]").textContent(), { timeout: 15_000 }).toMatch(/training epoch \d+ of 200: train loss/);
    const stored = async () => Number(await page.locator("[data-testid=traced-epochs]").textContent());
    const shown = async () => Number((await page.locator("label[for=epoch]").textContent())!.match(/of (\d+) shown/)![1]);
    const [storedBefore, shownBefore] = [await stored(), await shown()];
    await expect.poll(stored, { timeout: 30_000 }).toBeGreaterThan(storedBefore);
    await expect.poll(shown, { timeout: 10_000 }).toBeGreaterThan(shownBefore);
    const lossRows = async () => (await page.locator('[data-testid="chart-loss"] path.recharts-curve').first().getAttribute("d"))?.split(/[LM]/).length ?? 0;
    const drawn = await lossRows();
    await expect.poll(lossRows, { timeout: 30_000 }).toBeGreaterThan(drawn);
    expect(await page.locator("[data-testid=run-status]").textContent()).toBe("running");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(8);
    await shot("run-live");
  });

  it("offers only the actions a sweep's status allows, and asks before cancelling", async () => {
    const buttons = ["pause", "resume", "retry", "cancel"].map((a) => page.locator(`[data-testid=action-${a}]`));
    await page.goto(sweepUrl);
    for (const b of buttons) expect(await b.isDisabled()).toBe(true); // completed, nothing failed
    const sweepId = longId;
    await page.goto(`${base}/sweeps/${sweepId}`);
    const [pause, resume, retry, cancel] = buttons as [(typeof buttons)[0], (typeof buttons)[0], (typeof buttons)[0], (typeof buttons)[0]];
    expect([await pause.isEnabled(), await resume.isEnabled(), await retry.isEnabled(), await cancel.isEnabled()]).toEqual([true, true, false, true]);
    const asked: string[] = [];
    page.once("dialog", (d) => void (asked.push(d.message()), d.dismiss()));
    await cancel.click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^Cancel "long"\? Its \d+ unfinished runs stop and never run; this cannot be undone\.$/);
    expect(((await (await fetch(`${base}/api/sweeps/${sweepId}`)).json()) as { status: string }).status).not.toBe("cancelled");
    page.once("dialog", (d) => void d.accept());
    await cancel.click();
    await expect.poll(() => page.locator("[data-testid=sweep-status]").textContent(), { timeout: 10_000 }).toBe("cancelled");
    for (const b of buttons) await expect.poll(() => b.isDisabled()).toBe(true);
    expect(await cancel.getAttribute("title")).toBe("the sweep is cancelled");
    // The home page says what happened to its runs: cancelled ones are not counted as done.
    await page.goto(base);
    const row = page.locator("[data-testid=sweeps] tbody tr").filter({ has: page.locator("td:first-child a", { hasText: /^long$/ }) });
    await expect.poll(() => row.locator("[data-testid=sweep-progress]").textContent(), { timeout: 10_000 }).toMatch(/^0 completed, 4 cancelled of 4$/);
    expect(
      await row
        .locator("[data-testid=sweep-progress-bar] span")
        .evaluateAll((s) => s.map((x) => [x.getAttribute("data-status"), (x as HTMLElement).style.width])),
    ).toEqual([["cancelled", "100%"]]);
  });

  it("keeps notes and tags, finds a sweep by its tag from the home page, clones a sweep into the form, and deletes one with its rows", async () => {
    await page.goto(sweepUrl);
    await page.click("[data-testid=edit-annotations]");
    await page.fill("[data-testid=name-input]", "e2e symmetry, renamed");
    await page.fill("[data-testid=notes-input]", "Zero init never breaks symmetry:\nsee the zeros column.");
    await page.fill("[data-testid=tags-input]", "textbook symmetry");
    await page.click("[data-testid=save-annotations]");
    await expect.poll(() => page.locator("[data-testid=sweep-name]").textContent()).toBe("e2e symmetry, renamed");
    expect(await page.locator("[data-testid=annotations] [data-testid=tag]").allTextContents()).toEqual(["textbook", "symmetry"]);
    expect(await page.locator("[data-testid=notes]").textContent()).toBe("Zero init never breaks symmetry:\nsee the zeros column.");
    // A refused change says what is wrong, and nothing is saved.
    await page.click("[data-testid=edit-annotations]");
    await page.fill("[data-testid=tags-input]", "x".repeat(41));
    await page.click("[data-testid=save-annotations]");
    await expect.poll(() => page.locator("[data-testid=annotations-error]").textContent()).toMatch(/^tags\[0\]: /);
    await page.click("text=Cancel");
    // Stored: a reload shows them, and the home page's search finds the sweep by its tag (and keeps the search in the URL).
    await page.reload();
    expect(await page.locator("[data-testid=annotations] [data-testid=tag]").allTextContents()).toEqual(["textbook", "symmetry"]);
    await page.goto(base);
    await page.fill("[data-testid=sweep-search]", "textbook");
    await expect.poll(() => page.locator("[data-testid=sweeps] tbody tr td:first-child a").allTextContents()).toEqual(["e2e symmetry, renamed"]);
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("textbook");
    await page.reload();
    expect(await page.locator("[data-testid=sweeps] tbody tr td:first-child a").allTextContents()).toEqual(["e2e symmetry, renamed"]);
    // The spec, exactly as stored, and a clone of it in the form: same runs, named as a copy.
    await page.goto(sweepUrl);
    await page.click("[data-testid=spec] summary");
    const stored = JSON.parse((await page.locator("[data-testid=spec-json]").textContent())!) as { axes: { seeds: number[] } };
    expect(stored.axes.seeds).toEqual([0, 1]);
    await page.click("[data-testid=clone]");
    await page.waitForURL(/\/sweeps\/new\?from=/);
    expect(await page.inputValue("#name")).toBe("e2e symmetry, renamed (copy)");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 30_000 }).toBe("16");
    // Deleting asks first, naming what goes; then the sweep, its runs and their traces are gone from Postgres.
    await page.goto(`${base}/sweeps/${longId}`);
    const traced = await db.prisma.traceEpoch.count({ where: { run: { sweepId: longId } } });
    expect(traced).toBeGreaterThan(0);
    const asked: string[] = [];
    page.once("dialog", (d) => void (asked.push(d.message()), d.dismiss()));
    await page.click("[data-testid=delete]");
    await expect.poll(() => asked).toEqual(['Delete "long" with its 4 runs and their traces? This cannot be undone.']);
    expect(await db.prisma.sweep.count({ where: { id: longId } })).toBe(1);
    page.once("dialog", (d) => void d.accept());
    await page.click("[data-testid=delete]");
    await page.waitForURL(`${base}/`);
    expect([await db.prisma.sweep.count({ where: { id: longId } }), await db.prisma.run.count({ where: { sweepId: longId } })]).toEqual([0, 0]);
    expect(await db.prisma.traceEpoch.count({ where: { run: { sweepId: longId } } })).toBe(0);
    expect(await page.locator("[data-testid=sweeps] tbody tr td:first-child a", { hasText: /^long$/ }).count()).toBe(0);
  });

  it("stops runs that cannot train when the form asks, and shows them as pruned everywhere with the reason", async () => {
    await page.goto(`${base}/sweeps/new`);
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 30_000 }).toBe("180");
    const spec = {
      name: "e2e stopping",
      axes: {
        activations: [{ name: "tanh" }, { name: "logistic" }],
        initializers: [{ name: "zeros" }, { name: "xavier_normal" }],
        depths: [1, 2],
        widths: [16],
        learningRates: [0.1],
        datasets: [{ name: "moons", samples: 2000 }],
        seeds: [0],
      },
      fixed: { epochs: 300, batchSize: 32 },
    };
    await page.fill("#json", JSON.stringify(spec));
    await page.click("text=Apply JSON");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("8");
    await page.selectOption("#stopping", "diagnoses");
    await page.click("text=Launch sweep");
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    expect(await page.locator("[data-testid=sweep-effort]").textContent()).toMatch(/^the diagnosis rule · trained/);
    await expect.poll(() => page.locator("[data-testid=sweep-status]").textContent(), { timeout: 90_000 }).toBe("completed");
    await expect.poll(() => page.locator("[data-testid=sweep-counts]").textContent()).toMatch(/^4 completed, 4 pruned/);
    await expect.poll(() => page.locator("[data-testid=sweep-effort]").textContent()).toMatch(/% saved by stopping 4 runs early\)$/);
    // The depth curve draws the combinations that completed runs — the Xavier ones — over both depths, with their names.
    await expect.poll(() => page.locator("[data-testid=chart-depth-curve] g[data-series]").count()).toBe(2);
    // In the heatmap's row order, however the lines arrived.
    expect(await page.locator("[data-testid=chart-depth-curve] [data-testid=depth-curve-key]").allTextContents()).toEqual([
      "logistic · xavier_normal",
      "tanh · xavier_normal",
    ]);
    expect(await page.locator("[data-testid=chart-depth-curve] g[data-series] circle").count()).toBe(4);
    // Its picture downloads as SVG, legend and all.
    const [curveFile] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=chart-depth-curve] button[data-export=svg]")]);
    const curveSvg = readFileSync((await curveFile.path())!, "utf8");
    expect(curveSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(curveSvg).toContain(">tanh · xavier_normal</text>");
    // In the heatmap the zero-initialised cells hold no mean, and say why.
    // (The grid is fetched again once the counts change: poll until it is.)
    const zeroCells = async () => {
      const column = (await page.locator("[data-testid=heatmap-2] thead th").allTextContents()).indexOf("zeros") + 1;
      return column === 0 ? [] : page.locator(`[data-testid=heatmap-2] tbody tr td:nth-child(${column})`).allTextContents();
    };
    await expect.poll(zeroCells).toEqual(["no completed run0 of 1 · 1 pruned", "no completed run0 of 1 · 1 pruned"]);
    // The run table marks them, the status filter finds them, and a run's page says why it stopped.
    await page.selectOption("[data-testid=status-filter]", "pruned");
    await expect.poll(() => page.locator("[data-testid=runs] tbody tr").count()).toBe(4);
    const badge = page.locator("[data-testid=runs] tbody tr .badge.pruned").first();
    expect(await badge.getAttribute("title")).toMatch(/^diagnosis at epoch \d+: /);
    await page.locator("[data-testid=runs] tbody tr a").first().click();
    await page.waitForURL(/\/runs\//);
    await expect.poll(() => page.locator("[data-testid=run-status]").textContent()).toBe("pruned");
    expect(await page.locator("[data-testid=stop-reason]").textContent()).toMatch(
      /^pruned at epoch \d+ by the diagnosis rule \((collapsed_at_init|symmetric_units)\): /,
    );
    await shot("pruned-run");
  });

  it("runs a TPE search from the form, with ranges typed in the list fields, and shows its trials, the best so far and the objective chart", async () => {
    await page.goto(`${base}/sweeps/new`);
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 30_000 }).toBe("180");
    const spec = {
      name: "e2e tpe",
      axes: {
        activations: [{ name: "tanh" }, { name: "relu" }],
        initializers: [{ name: "he_normal" }],
        depths: [2],
        widths: [16],
        learningRates: [0.1],
        datasets: [{ name: "moons", samples: 400 }],
        seeds: [0, 1],
      },
      fixed: { epochs: 20, batchSize: 32 },
    };
    await page.fill("#json", JSON.stringify(spec));
    await page.click("text=Apply JSON");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("4");
    await page.selectOption("#sampling", "tpe");
    await page.fill("[aria-label=N]", "6");
    await page.fill("[aria-label=parallelism]", "2");
    await page.fill("#depths", "1..3");
    await page.fill("#learningRates", "1e-3..1");
    // 6 trials × 2 seeds.
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("12");
    // A range upside down is refused next to its field.
    await page.fill("#depths", "3..1");
    await expect.poll(() => page.locator("[data-error=depths]").textContent(), { timeout: 10_000 }).toMatch(/low must be below high/);
    await page.fill("#depths", "1..3");
    await expect.poll(() => page.locator("[data-testid=run-count]").textContent(), { timeout: 10_000 }).toBe("12");
    await page.click("text=Launch sweep");
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator("[data-testid=sweep-status]").textContent(), { timeout: 90_000 }).toBe("completed");
    await expect
      .poll(() => page.locator("[data-testid=search-summary]").textContent())
      .toMatch(/^TPE on valLoss \(minimised, mean over seeds\): 6 of 6 trials finished, 0 in flight/);
    const summary = (await page.locator("[data-testid=search-summary]").textContent())!;
    expect(summary).toMatch(/Best so far: trial \d, [\d.]+ — (tanh|relu) · he_normal · [123] × 16 · sgd lr [\d.e-]+ · moons\(samples=400\)$/);
    // One dot per finished trial, and the best-so-far line never rises.
    await expect.poll(() => page.locator("[data-testid=chart-objective] .recharts-scatter-symbol").count()).toBe(6);
    expect(await page.locator("[data-testid=chart-objective] .recharts-line-curve").count()).toBe(1);
    const best = Number(await page.locator("[data-testid=search-best]").textContent());
    const table = (await (await fetch(`${page.url().replace("/sweeps/", "/api/sweeps/")}/runs?limit=100`)).json()) as { runs: Array<{ valLoss: number }> };
    expect(table.runs).toHaveLength(12);
    // The best trial's mean is at least as good as every run's own loss pair can make it.
    expect(best).toBeLessThanOrEqual(Math.max(...table.runs.map((r) => r.valLoss)));
    await shot("search");
  });

  it("answers the textbook question from one sweep: which activation × initializer pairs keep training at depth 10, and why", async () => {
    const depth = {
      name: "which pairs survive depth",
      axes: {
        activations: ["tanh", "relu"],
        initializers: ["xavier_normal", "he_normal", { name: "normal", std: 0.01 }],
        depths: [2, 6, 10],
        widths: [16],
        learningRates: [0.1],
        datasets: [{ name: "moons", samples: 400 }],
        seeds: [0, 1],
      },
      fixed: { epochs: 30, batchSize: 32 },
    };
    const sweepId = await launch(depth);
    await page.goto(`${base}/sweeps/${sweepId}`);
    await expect.poll(() => page.locator("[data-testid=sweep-status]").textContent(), { timeout: 120_000 }).toBe("completed");
    const { cells } = (await (await fetch(`${base}/api/sweeps/${sweepId}/grid`)).json()) as { cells: Cell[] };
    const accuracy = (activation: string, initializer: string, d: number) =>
      fromWire(cells.find((c) => c.activation === activation && c.initializer === initializer && Number(c.depth) === d)!.valAccuracy.mean)!;
    const ratio = (activation: string, initializer: string, d: number) =>
      fromWire(cells.find((c) => c.activation === activation && c.initializer === initializer && Number(c.depth) === d)!.log10GradientRatio.mean)!;
    // Small random weights: at depth 10 neither activation learns, and the first layer's gradient has vanished.
    for (const activation of ["tanh", "relu"]) {
      expect(accuracy(activation, "normal(0.01)", 10), activation).toBeLessThan(0.7);
      expect(ratio(activation, "normal(0.01)", 10), activation).toBeLessThan(-5);
    }
    // Xavier keeps tanh training, He keeps ReLU training, at depth 10.
    expect(accuracy("tanh", "xavier_normal", 10)).toBeGreaterThan(0.8);
    expect(accuracy("relu", "he_normal", 10)).toBeGreaterThan(0.8);
    console.log(
      "depth walkthrough (val. accuracy; log10 gradient ratio at depth 10):",
      JSON.stringify(
        Object.fromEntries(
          cells.map((c) => [
            `${c.activation} · ${c.initializer} · ${c.depth}`,
            [Number(fromWire(c.valAccuracy.mean)?.toFixed(3)), Number(fromWire(c.log10GradientRatio.mean)?.toFixed(2))],
          ]),
        ),
      ),
    );
    await page.selectOption("#metric", "valAccuracy");
    await expect.poll(() => page.locator("[data-testid=chart-depth-curve] g[data-series]").count()).toBe(6);
    if (DOCS) {
      await page.locator("[data-testid=chart-depth-curve]").screenshot({ path: `${DOCS}depth-curve.png` });
      await page.locator("[data-testid=chart-importance]").screenshot({ path: `${DOCS}depth-importance.png` });
    }
    // The distributions of tanh under N(0, 0.01²) at depth 10: every layer's activations collapse onto 0.
    const { runs } = (await (await fetch(`${base}/api/sweeps/${sweepId}/runs?initializer=normal(0.01)&activation=tanh&depth=10&seed=0`)).json()) as {
      runs: Array<{ id: string }>;
    };
    expect(runs).toHaveLength(1);
    await page.goto(`${base}/runs/${runs[0]!.id}`);
    await expect.poll(() => page.locator("[data-testid=distributions] canvas").count()).toBe(11);
    if (DOCS) await page.locator("[data-testid=distributions]").screenshot({ path: `${DOCS}depth-distributions.png` });
    // Signal propagation at epoch 0: one row per hidden layer, each narrower than the first (the
    // symlog bins resolve the shrinking), a row's std beside it.
    const figure = page.locator("[data-testid=signal-propagation]");
    await expect.poll(() => figure.locator("g[data-layer]").count()).toBe(10);
    const widths = await figure.locator("g[data-layer]").evaluateAll((rows) => rows.map((g) => g.querySelectorAll("rect").length));
    expect(widths[0]).toBeGreaterThanOrEqual(8);
    for (const w of widths.slice(3)) expect(w).toBeLessThan(widths[0]!);
    expect(await figure.locator("g[data-layer='1'] text").last().textContent()).toMatch(/^std \d/);
    if (DOCS) await page.locator("[data-testid=chart-signal-propagation]").screenshot({ path: `${DOCS}signal-propagation.png` });
    // The same at the pre-activations z: the signal shrinks before the non-linearity too.
    await page.click('[data-testid=histogram-of] button:has-text("pre-activations z")');
    await expect.poll(() => page.locator("[data-testid=chart-signal-propagation]").textContent()).toContain("pre-activation z by layer");
    const zWidths = await figure.locator("g[data-layer]").evaluateAll((rows) => rows.map((g) => g.querySelectorAll("rect").length));
    expect(zWidths).toHaveLength(10);
    expect(zWidths[0]).toBeGreaterThanOrEqual(6);
    for (const w of zWidths.slice(3)) expect(w).toBeLessThan(zWidths[0]!);
    const zStds = await figure.locator("g[data-layer] text:last-child").allTextContents();
    console.log("depth walkthrough, tanh · normal(0.01) · 10 at epoch 0, pre-activation std by layer:", zStds.join(", "), "rows' bins:", zWidths.join(", "));
    if (DOCS) await page.locator("[data-testid=chart-signal-propagation]").screenshot({ path: `${DOCS}signal-propagation-z.png` });
  });
});
