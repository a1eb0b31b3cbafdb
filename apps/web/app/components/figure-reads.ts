import { GRID_AXES } from "@gradtrace/core/vocabulary";
import type { GridMetric } from "@gradtrace/db";
import { HEATMAP_METRICS } from "./scales.ts";
import { choice, type View } from "./view.ts";

/** What the slices can be split by: nothing, or a second grid axis. */
export const SLICE_BY = ["none", ...GRID_AXES] as const;
export type SliceBy = (typeof SLICE_BY)[number];

/** The importance figure's metric, from the URL's `importance`. */
export const importanceMetric = (view: View): GridMetric => choice(view, "importance", HEATMAP_METRICS, "valLoss");
/** The slices' metric and split, from the URL's `spread` and `spreadBy`. */
export const sliceChoice = (view: View): { metric: GridMetric; by: SliceBy } => ({
  metric: choice(view, "spread", HEATMAP_METRICS, "valLoss"),
  by: choice(view, "spreadBy", SLICE_BY, "none"),
});

export const importanceUrl = (sweepId: string, metric: GridMetric) => `/api/sweeps/${sweepId}/importance?metric=${metric}`;
export const slicesUrl = (sweepId: string, metric: GridMetric, by: SliceBy) =>
  `/api/sweeps/${sweepId}/slices?metric=${metric}${by === "none" ? "" : `&by=${by}`}`;
export const columnsUrl = (sweepId: string) => `/api/sweeps/${sweepId}/columns`;
