"use client";
import { useRef, type ReactNode } from "react";
import { csv } from "@gradtrace/core/vocabulary";
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

/** Rows a chart draws, as its CSV and JSON exports give them. */
export type ChartRows = ReadonlyArray<Readonly<Record<string, unknown>>>;

/** Saves `blob` as `name` through a temporary link. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * The chart's SVG as a standalone document (styles are attributes in recharts' output), with its
 * legend — HTML on the page — drawn below the plot, so the picture says what each line is.
 */
function svgText(figure: HTMLElement): string | null {
  const svg = figure.querySelector(".recharts-wrapper > svg.recharts-surface");
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const width = Number(copy.getAttribute("width"));
  const height = Number(copy.getAttribute("height"));
  const items = [...figure.querySelectorAll(".recharts-legend-item")].map((li) => {
    const mark = li.querySelector("path, rect, line");
    return { text: li.textContent ?? "", colour: mark?.getAttribute("stroke") ?? mark?.getAttribute("fill") ?? "#333" };
  });
  const perRow = Math.max(1, Math.floor(width / 180));
  const legendHeight = 18 * Math.ceil(items.length / perRow);
  items.forEach((item, i) => {
    const [x, y] = [10 + (i % perRow) * 180, height + 14 + 18 * Math.floor(i / perRow)];
    const swatch = document.createElementNS(SVG_NS, "rect");
    Object.entries({ x: x, y: y - 9, width: 12, height: 8, fill: item.colour }).forEach(([k, v]) => swatch.setAttribute(k, String(v)));
    const label = document.createElementNS(SVG_NS, "text");
    Object.entries({ x: x + 16, y, "font-size": 11, fill: "#333" }).forEach(([k, v]) => label.setAttribute(k, String(v)));
    label.textContent = item.text;
    copy.append(swatch, label);
  });
  copy.setAttribute("height", String(height + legendHeight + (items.length > 0 ? 8 : 0)));
  copy.setAttribute("viewBox", `0 0 ${width} ${height + legendHeight + (items.length > 0 ? 8 : 0)}`);
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("style", "background: white; font-family: sans-serif");
  return new XMLSerializer().serializeToString(copy);
}

/** Downloads of one chart, for papers: the picture as SVG or PNG (2× scale), its rows as CSV or JSON. */
function exportChart(kind: "svg" | "png" | "csv" | "json", figure: HTMLElement, id: string, rows: ChartRows | undefined): void {
  const name = `gradtrace-${id.replace(/[^A-Za-z0-9._-]+/g, "-")}.${kind}`;
  if (kind === "json") return save(new Blob([JSON.stringify(rows ?? [], null, 2)], { type: "application/json" }), name);
  if (kind === "csv") {
    const columns = [...new Set((rows ?? []).flatMap((r) => Object.keys(r)))];
    const cell = (v: unknown) => (typeof v === "number" || typeof v === "string" ? v : v === null || v === undefined ? null : JSON.stringify(v));
    return save(
      new Blob(
        [
          csv(
            columns,
            (rows ?? []).map((r) => columns.map((c) => cell(r[c]))),
          ),
        ],
        { type: "text/csv" },
      ),
      name,
    );
  }
  const drawn = figure.querySelector("canvas");
  if (kind === "png" && drawn) return drawn.toBlob((png) => png && save(png, name), "image/png");
  const text = svgText(figure);
  if (!text) return;
  const svg = new Blob([text], { type: "image/svg+xml" });
  if (kind === "svg") return save(svg, name);
  const image = new Image();
  const url = URL.createObjectURL(svg);
  image.onload = () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: 2 * image.width, height: 2 * image.height });
    const context = canvas.getContext("2d")!;
    context.fillStyle = "white";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    URL.revokeObjectURL(url);
    canvas.toBlob((png) => png && save(png, name), "image/png");
  };
  image.src = url;
}

/**
 * A chart under its title, with downloads of its picture (SVG, PNG; PNG only when `canvas` draws
 * it) and, given `rows`, of its data (CSV, JSON); `id` names it for tests
 * (`data-testid="chart-<id>"`) and its files.
 */
export function Figure({
  id,
  title,
  rows,
  canvas = false,
  children,
}: {
  id: string;
  title: ReactNode;
  rows?: ChartRows;
  canvas?: boolean;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement>(null);
  // A canvas picture has no SVG; every picture has a PNG.
  const kinds = (["svg", "png", "csv", "json"] as const).filter((k) => (k !== "csv" && k !== "json") || rows).filter((k) => k !== "svg" || !canvas);
  return (
    <figure style={{ margin: 0 }} data-testid={`chart-${id}`} ref={ref}>
      <figcaption style={{ fontWeight: 600, fontSize: "0.9rem", marginBottom: 4 }}>
        {title}{" "}
        <span className="muted" style={{ fontWeight: 400, fontSize: "0.75rem" }}>
          {kinds.map((k) => (
            <button
              key={k}
              type="button"
              className="link"
              data-export={k}
              title={`download as ${k.toUpperCase()}`}
              onClick={() => ref.current && exportChart(k, ref.current, id, rows)}
            >
              {k}
            </button>
          ))}
        </span>
      </figcaption>
      {children}
    </figure>
  );
}

/** Distinct colours for series (layers, runs, groups). */
export const PALETTE = ["#0b63c5", "#d1242f", "#1a7f37", "#8250df", "#bf8700", "#0598bc", "#cf222e", "#6e7781", "#e16f24", "#116329", "#953800", "#4d2d8b"];

export interface SeriesSpec {
  key: string;
  name: string;
  dashed?: boolean;
}

/** A line chart of rows keyed by x, one line per series, with axes, grid, tooltip and legend. */
export function Lines({
  title,
  rows,
  x,
  xLabel,
  series,
  log = false,
  width = 560,
  height = 280,
  integerX = false,
}: {
  title: string;
  rows: Array<Record<string, number | null>>;
  x: string;
  xLabel: string;
  series: SeriesSpec[];
  log?: boolean;
  width?: number;
  height?: number;
  /** Whole-number x ticks only (layer indices). */
  integerX?: boolean;
}) {
  return (
    <Figure id={title} title={title} rows={rows}>
      <LineChart width={width} height={height} data={rows} margin={{ top: 5, right: 20, bottom: 20, left: 10 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis
          dataKey={x}
          type="number"
          domain={["dataMin", "dataMax"]}
          allowDecimals={!integerX}
          label={{ value: xLabel, position: "insideBottom", offset: -10 }}
        />
        <YAxis
          scale={log ? "log" : "auto"}
          domain={log ? ["auto", "auto"] : ["auto", "auto"]}
          allowDataOverflow={log}
          width={70}
          tickFormatter={(v: number) => (Math.abs(v) < 1e-2 && v !== 0 ? v.toExponential(0) : String(Number(v.toPrecision(3))))}
        />
        <Tooltip />
        <Legend verticalAlign="top" height={28} />
        {series.map((s, i) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.name}
            stroke={PALETTE[i % PALETTE.length]}
            strokeDasharray={s.dashed ? "5 3" : undefined}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
        ))}
      </LineChart>
    </Figure>
  );
}
