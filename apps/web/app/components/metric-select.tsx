"use client";
import type { GridMetric } from "@gradtrace/db";
import { GRID_METRIC_TITLES, HEATMAP_METRICS } from "./scales.ts";

/** A menu of final metrics by their titles ("final val. accuracy"), `metrics` (all the heatmap's unless given) in their order. */
export function MetricSelect({
  value,
  onChange,
  label,
  id,
  metrics = HEATMAP_METRICS,
}: {
  value: GridMetric;
  onChange: (metric: GridMetric) => void;
  /** Its accessible name, where no <label> names it. */
  label?: string;
  id?: string;
  metrics?: readonly GridMetric[];
}) {
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value as GridMetric)}>
      {metrics.map((m) => (
        <option key={m} value={m}>
          {GRID_METRIC_TITLES[m]}
        </option>
      ))}
    </select>
  );
}
