"use client";
import type { ReactNode } from "react";
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

/** A chart under its title; `id` names it for tests (`data-testid="chart-<id>"`). */
export function Figure({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <figure style={{ margin: 0 }} data-testid={`chart-${id}`}>
      <figcaption style={{ fontWeight: 600, fontSize: "0.9rem", marginBottom: 4 }}>{title}</figcaption>
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
    <Figure id={title} title={title}>
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
