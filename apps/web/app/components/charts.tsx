"use client";
import { useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { seriesStyle, smooth, valueAxis, type ValueAxis } from "./axes.ts";
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
const noChange = () => () => undefined;
const inBrowser = () => true;
const onServer = () => false;

/**
 * The chart's SVG as a standalone document (styles are attributes in recharts' output), with its
 * legend — HTML on the page — drawn below the plot, so the picture says what each line is.
 */
function svgText(figure: HTMLElement): string | null {
  // A recharts chart's surface, or a figure drawn as SVG of its own (its legend is in it).
  const svg = figure.querySelector(".recharts-wrapper > svg.recharts-surface") ?? figure.querySelector("svg");
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
  controls,
  children,
}: {
  id: string;
  title: ReactNode;
  rows?: ChartRows;
  canvas?: boolean;
  /** Switches of the chart's view (log axis, smoothing), after the downloads. */
  controls?: ReactNode;
  children: ReactNode;
}) {
  const ref = useRef<HTMLElement>(null);
  // Charts draw in the browser only: a page's SVG for a dozen charts of 200 points was most of
  // what the server spent on a run page (the bench's run page under 50 clients). False on the
  // server and while the page hydrates, true at once for a figure that mounts after (its data
  // fetched): no extra render pass before it draws.
  const mounted = useSyncExternalStore(noChange, inBrowser, onServer);
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
        </span>{" "}
        {controls && (
          <span className="muted" style={{ fontWeight: 400, fontSize: "0.75rem" }}>
            {controls}
          </span>
        )}
      </figcaption>
      {mounted ? children : <div className="chart-placeholder" />}
    </figure>
  );
}

export interface SeriesSpec {
  key: string;
  name: string;
  dashed?: boolean;
}

/**
 * A value axis's recharts props from `valueAxis` (nice ticks, labels that neither repeat nor get
 * clipped, log or linear); recharts' own choice where there is nothing finite to draw.
 */
export function yAxisProps(axis: ValueAxis | undefined, log: boolean) {
  return axis
    ? {
        type: "number" as const,
        scale: log ? ("log" as const) : ("linear" as const),
        domain: axis.domain,
        ticks: axis.ticks,
        tickFormatter: axis.format,
        width: axis.width,
        allowDataOverflow: true,
      }
    : { type: "number" as const, width: 50 };
}

/**
 * Legend props for a chart: beside the plot (never over it), scrolling when there are many, in
 * the order of `keys`, the series' data keys (a smoothed series' `key~` with its key). Recharts
 * sorts by name by default (layer 10 before layer 2), and unsorted it lists series in the order
 * they first drew, which a live chart changes as data arrives.
 */
export function legendProps(height: number, keys: readonly string[]) {
  return {
    layout: "vertical" as const,
    align: "right" as const,
    verticalAlign: "top" as const,
    itemSorter: (item: { dataKey?: unknown }) => {
      const at = keys.indexOf(String(item.dataKey).replace(/~$/, ""));
      return at < 0 ? keys.length : at;
    },
    wrapperStyle: { fontSize: "0.75rem", maxHeight: height - 20, overflowY: "auto" as const, paddingLeft: 8 },
  };
}

/**
 * A line chart of rows keyed by x, one line per series, with axes, grid, tooltip and legend; a
 * log/linear switch, and for curves over epochs (`smoothable`) TensorBoard's smoothing, drawn
 * over the faint raw lines.
 */
export function Lines({
  title,
  rows,
  x,
  xLabel,
  series,
  log = false,
  width = 620,
  height = 280,
  integerX = false,
  smoothable = false,
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
  smoothable?: boolean;
}) {
  const [logScale, setLogScale] = useState(log);
  const [smoothing, setSmoothing] = useState(0);
  const drawn = useMemo(() => {
    // A log axis cannot draw zero or negative values (a zero-init run's gradient norms): gaps.
    const visible = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) || (logScale && v <= 0) ? null : v);
    const out = rows.map((r) => ({ ...r, ...Object.fromEntries(series.map((s) => [s.key, visible(r[s.key])])) }));
    if (smoothing > 0)
      for (const s of series)
        smooth(
          out.map((r) => r[s.key] ?? null),
          smoothing,
        ).forEach((v, i) => (out[i]![`${s.key}~`] = v));
    return out;
  }, [rows, series, logScale, smoothing]);
  const axis = valueAxis(
    drawn.flatMap((r) => series.map((s) => r[s.key])),
    logScale,
  );
  // Epochs on round ticks (0, 100, …, 500, not … 450, 500 crowded at the end); layer indices as recharts counts them.
  const xTicks = integerX ? undefined : valueAxis(rows.map((r) => r[x]))?.ticks;
  const controls = (
    <>
      <button type="button" className="link" data-testid="log-toggle" aria-pressed={logScale} onClick={() => setLogScale(!logScale)}>
        y axis: {logScale ? "log" : "linear"}
      </button>
      {smoothable && (
        <label className="smoothing">
          smoothing{" "}
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} aria-label="smoothing" onChange={(e) => setSmoothing(Number(e.target.value))} />{" "}
          {smoothing.toFixed(2)}
        </label>
      )}
    </>
  );
  return (
    <Figure id={title} title={title} rows={rows} controls={controls}>
      <LineChart width={width} height={height} data={drawn} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis
          dataKey={x}
          type="number"
          domain={xTicks ? [xTicks[0]!, xTicks.at(-1)!] : ["dataMin", "dataMax"]}
          ticks={xTicks}
          allowDecimals={!integerX}
          label={{ value: xLabel, position: "insideBottom", offset: -10 }}
        />
        <YAxis {...yAxisProps(axis, logScale)} />
        <Tooltip />
        <Legend
          {...legendProps(
            height,
            series.map((s) => s.key),
          )}
        />
        {series.map((s, i) => {
          const style = seriesStyle(i);
          const dash = s.dashed ? "5 3" : style.strokeDasharray;
          return smoothing > 0 ? (
            [
              <Line
                key={s.key}
                dataKey={s.key}
                name={`${s.name} (raw)`}
                stroke={style.stroke}
                strokeOpacity={0.25}
                strokeDasharray={dash}
                legendType="none"
                dot={false}
                isAnimationActive={false}
                connectNulls
              />,
              <Line
                key={`${s.key}~`}
                dataKey={`${s.key}~`}
                name={s.name}
                stroke={style.stroke}
                strokeDasharray={dash}
                dot={false}
                isAnimationActive={false}
                connectNulls
              />,
            ]
          ) : (
            <Line key={s.key} dataKey={s.key} name={s.name} stroke={style.stroke} strokeDasharray={dash} dot={false} isAnimationActive={false} connectNulls />
          );
        })}
      </LineChart>
    </Figure>
  );
}
