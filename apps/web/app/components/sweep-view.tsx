"use client";
import { useEffect, useRef, useState } from "react";
import { api, counts, fmt } from "./format.ts";
import { fromWire, RUN_STATUSES, type GridAxis, type Wired } from "@gradtrace/core/vocabulary";
import type { GridMetric, RunTableSort } from "@gradtrace/db";
import type { RunProgress } from "@gradtrace/queue";
import type { SweepHeader, SweepPageData } from "../../lib/pages.ts";

/** What the sweep page is sent. */
export type SweepData = Wired<SweepPageData>;
type Cell = SweepData["cells"][number];
type RunRow = SweepData["runs"][number];
/** What the run table shows: the server filters, orders and pages (GET /api/sweeps/:id/runs). */
interface TableQuery {
  q: string;
  status: string;
  diagnosis: string;
  sort: RunTableSort;
  dir: "asc" | "desc";
  offset: number;
  limit: number;
}
const PAGE_SIZES = [10, 100, 1000];
/** A running run's live progress, as its worker publishes it. */
type Live = Wired<RunProgress>;
/** What the `sweep` event says every second. */
type SweepTick = Wired<Pick<SweepHeader, "id" | "status" | "runs">>;

/** Metrics the heatmap can colour by; `better` says which end is good. */
const METRICS = {
  valLoss: { title: "final val. loss", better: "low" },
  valAccuracy: { title: "final val. accuracy", better: "high" },
  trainLoss: { title: "final train loss", better: "low" },
  log10GradientRatio: { title: "log10 first/last-layer gradient ratio", better: "zero" },
  deadFraction: { title: "dead units %", better: "low" },
  saturatedFraction: { title: "saturated units %", better: "low" },
} as const satisfies Record<GridMetric, { title: string; better: "low" | "high" | "zero" }>;
type Metric = keyof typeof METRICS;

/** The axes a heatmap lays out: rows, columns, and one heatmap per depth. */
type HeatmapAxis = "activation" | "initializer" | "depth";
/** Axes besides activation × initializer × depth: a sweep that varies one shows a heatmap per value, chosen here. */
const SLICE_AXES = { width: "width", optimizer: "optimizer", learningRate: "lr", dataset: "dataset" } as const satisfies Record<Exclude<GridAxis, HeatmapAxis>, string>;
type SliceAxis = keyof typeof SLICE_AXES;
const byValue = (a: string, b: string) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b));

function colour(metric: Metric, value: number | null, lo: number, hi: number): string {
  if (value === null || !Number.isFinite(value)) return "#eee";
  let good: number;
  if (METRICS[metric].better === "zero") good = 1 - Math.min(1, Math.abs(value) / Math.max(1e-9, Math.max(Math.abs(lo), Math.abs(hi))));
  else {
    const t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
    good = METRICS[metric].better === "high" ? t : 1 - t;
  }
  return `hsl(${Math.round(good * 120)}, 65%, ${78 - good * 10}%)`;
}

/** One sweep: live progress, heatmaps per depth, diagnosis counts, the run table and the sweep's controls. */
export function SweepView({ initial }: { initial: SweepData }) {
  const [data, setData] = useState(initial);
  const [live, setLive] = useState<Record<string, Live>>({});
  const [metric, setMetric] = useState<Metric>("valLoss");
  const [slice, setSlice] = useState<Partial<Record<SliceAxis, string>>>({});
  const [filter, setFilter] = useState("");
  const [query, setQuery] = useState<TableQuery>({ q: "", status: "", diagnosis: "", sort: "activation", dir: "asc", offset: 0, limit: Number(initial.limit) });
  const initialQuery = useRef(query);
  const queryRef = useRef(query);
  const asked = useRef(0);
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const id = data.sweep.id;
  const finished = useRef(Number(initial.sweep.runs.completed) + Number(initial.sweep.runs.failed));

  // A page of the table as JSON, or every run that matches as CSV.
  const runsUrl = (q: TableQuery, format: "json" | "csv" = "json") => {
    const params = new URLSearchParams({ sort: q.sort, dir: q.dir, ...(format === "csv" ? { format } : { offset: String(q.offset), limit: String(q.limit) }) });
    for (const key of ["q", "status", "diagnosis"] as const) if (q[key]) params.set(key, q[key]);
    return `/api/sweeps/${id}/runs?${params}`;
  };
  // Answers may arrive out of order: only the newest request's rows are shown. A page that runs
  // left (they finished, and the filter is "running") is traded for the last page that has some.
  const fetchRuns = async (q: TableQuery) => {
    const n = ++asked.current;
    const page = await api<{ runs: RunRow[]; total: number; offset: number }>(runsUrl(q));
    if (n !== asked.current) return null;
    if (page.runs.length === 0 && page.total > 0) setQuery((old) => ({ ...old, offset: Math.floor((page.total - 1) / old.limit) * old.limit }));
    return page;
  };
  const refresh = async () => {
    const [sweep, grid, page] = await Promise.all([api<SweepData["sweep"]>(`/api/sweeps/${id}`), api<{ cells: Cell[] }>(`/api/sweeps/${id}/grid`), fetchRuns(queryRef.current)]);
    setData((old) => ({ ...old, sweep: { ...sweep, id }, cells: grid.cells, ...(page ?? {}) }));
  };
  const ask = (change: Partial<TableQuery>) => setQuery((q) => ({ ...q, offset: 0, ...change }));

  useEffect(() => {
    queryRef.current = query;
    if (query === initialQuery.current) return;
    fetchRuns(query)
      .then((page) => page && setData((old) => ({ ...old, ...page })))
      .catch((e: Error) => setMessage(e.message));
  }, [query]);
  // Typing filters after a pause, not at every key.
  useEffect(() => {
    if (filter === queryRef.current.q) return;
    const timer = setTimeout(() => ask({ q: filter }), 250);
    return () => clearTimeout(timer);
  }, [filter]);

  useEffect(() => {
    const source = new EventSource(`/api/events?sweep=${id}`);
    source.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent<string>).data) as Live;
      setLive((old) => ({ ...old, [p.runId]: p }));
    });
    source.addEventListener("sweep", (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as SweepTick;
      setData((old) => ({ ...old, sweep: { ...old.sweep, status: s.status, runs: s.runs } }));
      const done = Number(s.runs.completed) + Number(s.runs.failed);
      if (done !== finished.current) {
        finished.current = done;
        void refresh();
      }
    });
    return () => source.close();
  }, [id]);

  const act = async (action: string) => {
    try {
      await api(`/api/sweeps/${id}/${action}`, { method: "POST" });
      setMessage(`${action}: done`);
      await refresh();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  const depths = [...new Set(data.cells.map((c) => Number(c.depth)))].sort((a, b) => a - b);
  const activations = [...new Set(data.cells.map((c) => c.activation))];
  const initializers = [...new Set(data.cells.map((c) => c.initializer))];
  // Cells that differ in another axis than the heatmap's are never pooled: one slice is shown.
  const slices = (Object.keys(SLICE_AXES) as SliceAxis[])
    .map((axis) => ({ axis, options: [...new Set(data.cells.map((c) => String(c[axis])))].sort(byValue) }))
    .filter((s) => s.options.length > 1)
    .map((s) => ({ ...s, chosen: slice[s.axis] !== undefined && s.options.includes(slice[s.axis]!) ? slice[s.axis]! : s.options[0]! }));
  const shown = data.cells.filter((c) => slices.every((s) => String(c[s.axis]) === s.chosen));
  const values = shown.map((c) => fromWire(c[metric].mean)).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const diagnoses = data.cells.reduce<Record<string, number>>((acc, c) => {
    for (const [k, n] of Object.entries(c.diagnoses)) acc[k] = (acc[k] ?? 0) + Number(n);
    return acc;
  }, {});
  const scale = (v: number | null) => (v === null ? null : metric === "deadFraction" || metric === "saturatedFraction" ? 100 * v : v);

  const runs = counts(data.sweep.runs);
  const done = runs.completed + runs.failed + runs.cancelled;
  const column = (key: RunTableSort, title: string, numeric = false) => (
    <th className={`sortable${numeric ? " num" : ""}`} onClick={() => ask({ sort: key, dir: query.sort === key && query.dir === "asc" ? "desc" : "asc" })}>
      {title}
      {query.sort === key ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
    </th>
  );
  const offset = Number(data.offset);
  const last = offset + data.runs.length;

  return (
    <>
      <h1>{data.sweep.name}</h1>
      <div className="card">
        <strong data-testid="sweep-status">{data.sweep.status}</strong>{" "}
        <span className="progress">
          <span style={{ width: `${(100 * done) / Math.max(1, runs.total)}%` }} />
        </span>{" "}
        <span data-testid="sweep-counts">
          {runs.completed} completed, {runs.running} running, {runs.queued} queued, {runs.failed} failed, {runs.cancelled} cancelled of {runs.total}
        </span>{" "}
        <span className="muted" data-testid="sweep-device">
          · trained by {data.sweep.spec.device === "cpu" ? "CPU workers" : data.sweep.spec.device === "gpu" ? "GPU workers" : "any worker"}
        </span>
        <div style={{ marginTop: 8 }}>
          <button onClick={() => void act("pause")}>Pause</button> <button onClick={() => void act("resume")}>Resume</button>{" "}
          <button onClick={() => void act("retry")}>Retry failed</button> <button onClick={() => void act("cancel")}>Cancel</button> <span className="muted">{message}</span>
        </div>
      </div>
      <h2>Heatmap</h2>
      <label htmlFor="metric">Colour by</label>
      <select id="metric" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
        {Object.entries(METRICS).map(([k, m]) => (
          <option key={k} value={k}>
            {m.title}
          </option>
        ))}
      </select>{" "}
      {slices.map((s) => (
        <label key={s.axis} style={{ marginLeft: 12 }}>
          {SLICE_AXES[s.axis]}{" "}
          <select data-testid={`slice-${s.axis}`} value={s.chosen} onChange={(e) => setSlice((old) => ({ ...old, [s.axis]: e.target.value }))}>
            {s.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
      ))}{" "}
      <span className="muted">mean ± std over seeds (n completed runs); green is better</span>
      <div className="row">
        {depths.map((depth) => (
          <div key={depth}>
            <h3 style={{ fontSize: "0.95rem" }}>depth {depth}</h3>
            <table className="heatmap" data-testid={`heatmap-${depth}`}>
              <thead>
                <tr>
                  <th>activation ∖ initializer</th>
                  {initializers.map((i) => (
                    <th key={i}>{i}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {activations.map((a) => (
                  <tr key={a}>
                    <th>{a}</th>
                    {initializers.map((i) => {
                      const cell = shown.find((c) => c.depth === depth && c.activation === a && c.initializer === i);
                      const mean = cell ? fromWire(cell[metric].mean) : null;
                      return (
                        <td key={i} className="cell" style={{ background: colour(metric, mean, lo, hi) }} title={cell ? Object.keys(cell.diagnoses).join(", ") : ""}>
                          {cell ? `${fmt(scale(mean))} ± ${fmt(scale(fromWire(cell[metric].std)))} (${cell[metric].n})` : "–"}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
      <h2>Diagnoses</h2>
      <p data-testid="diagnosis-counts">
        {Object.keys(diagnoses).length === 0
          ? "none yet"
          : Object.entries(diagnoses).map(([k, n]) => (
              <button key={k} className={`badge bad${query.diagnosis === k ? " chosen" : ""}`} title="show these runs in the table" onClick={() => ask({ diagnosis: query.diagnosis === k ? "" : k })}>
                {k}: {n}
              </button>
            ))}
      </p>
      <h2>Runs</h2>
      <input placeholder="filter (any column)" value={filter} onChange={(e) => setFilter(e.target.value)} />{" "}
      <select aria-label="status" data-testid="status-filter" value={query.status} onChange={(e) => ask({ status: e.target.value })}>
        <option value="">any status</option>
        {RUN_STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>{" "}
      {query.diagnosis && (
        <button onClick={() => ask({ diagnosis: "" })} data-testid="diagnosis-filter">
          {query.diagnosis} ×
        </button>
      )}{" "}
      <a href={selected.length > 0 ? `/compare?runs=${selected.join(",")}` : undefined} aria-disabled={selected.length === 0} data-testid="compare-link">
        Compare {selected.length} selected
      </a>{" "}
      · <a href={runsUrl(query, "csv")} data-testid="runs-csv">
        CSV of the {data.total} matching runs
      </a>
      <div className="muted" data-testid="runs-page" style={{ marginTop: 8 }}>
        <button disabled={offset === 0} onClick={() => setQuery((q) => ({ ...q, offset: Math.max(0, q.offset - q.limit) }))}>
          ‹ previous
        </button>{" "}
        {Number(data.total) === 0 ? "no runs match" : `runs ${offset + 1}–${last} of ${data.total}`}{" "}
        <button disabled={last >= Number(data.total)} onClick={() => setQuery((q) => ({ ...q, offset: q.offset + q.limit }))}>
          next ›
        </button>{" "}
        <select aria-label="rows per page" data-testid="page-size" value={query.limit} onChange={(e) => ask({ limit: Number(e.target.value) })}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n} rows a page
            </option>
          ))}
        </select>
      </div>
      <table data-testid="runs" style={{ marginTop: 8 }}>
        <thead>
          <tr>
            <th />
            {column("activation", "activation")}
            {column("initializer", "initializer")}
            {column("depth", "depth", true)}
            {column("width", "width", true)}
            {column("learningRate", "lr", true)}
            {column("seed", "seed", true)}
            {column("status", "status")}
            {column("epochsDone", "epoch", true)}
            {column("valLoss", "val. loss", true)}
            {column("valAccuracy", "val. acc.", true)}
            {column("gradientRatio", "grad ratio", true)}
            {column("deadFraction", "dead", true)}
            {column("saturatedFraction", "saturated", true)}
            <th>diagnoses</th>
          </tr>
        </thead>
        <tbody>
          {data.runs.map((r) => {
            const l = live[r.id];
            const running = r.status === "running" && l;
            return (
              <tr key={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select run ${r.id}`}
                    checked={selected.includes(r.id)}
                    onChange={(e) => setSelected((s) => (e.target.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))}
                  />
                </td>
                <td>
                  <a href={`/runs/${r.id}`}>{r.activation}</a>
                </td>
                <td>{r.initializer}</td>
                <td className="num">{r.depth}</td>
                <td className="num">{r.width}</td>
                <td className="num">{r.learningRate}</td>
                <td className="num">{r.seed}</td>
                <td>{r.status}</td>
                <td className="num">{running ? `${l.epoch}/${l.epochs}` : r.epochsDone}</td>
                <td className="num">{running ? fmt(l.trainLoss) : fmt(r.valLoss)}</td>
                <td className="num">{fmt(r.valAccuracy)}</td>
                <td className="num">{fmt(r.gradientRatio)}</td>
                <td className="num">{fmt(r.deadFraction)}</td>
                <td className="num">{fmt(r.saturatedFraction)}</td>
                <td>
                  {(running && l.worst ? [l.worst] : r.diagnosisKinds).map((k) => (
                    <span key={k} className="badge bad">
                      {k}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
