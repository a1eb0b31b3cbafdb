"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, fmt, num } from "./format.ts";
import type { GridCell, RunTableRow } from "@gradtrace/db";
import type { RunCounts, Wire, Wired } from "./wire.ts";

type Cell = Wired<GridCell>;
type RunRow = Wired<RunTableRow>;
export interface SweepData {
  sweep: { id: string; name: string; status: string; runs: RunCounts; spec: { fixed?: { epochs?: number }; device?: "any" | "cpu" | "gpu" } };
  cells: Cell[];
  runs: RunRow[];
}
interface Live {
  epoch: number;
  epochs: number;
  trainLoss: Wire;
  worst: string | null;
}

/** Metrics the heatmap can colour by; `better` says which end is good. */
const METRICS = {
  valLoss: { title: "final val. loss", better: "low" },
  valAccuracy: { title: "final val. accuracy", better: "high" },
  trainLoss: { title: "final train loss", better: "low" },
  log10GradientRatio: { title: "log10 first/last-layer gradient ratio", better: "zero" },
  deadFraction: { title: "dead units %", better: "low" },
  saturatedFraction: { title: "saturated units %", better: "low" },
} as const;
type Metric = keyof typeof METRICS;

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
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ key: keyof RunRow; dir: 1 | -1 }>({ key: "activation", dir: 1 });
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const id = data.sweep.id;
  const finished = useRef(initial.sweep.runs.completed + initial.sweep.runs.failed);

  const refresh = async () => {
    const [sweep, grid, runs] = await Promise.all([
      api<SweepData["sweep"]>(`/api/sweeps/${id}`),
      api<{ cells: Cell[] }>(`/api/sweeps/${id}/grid`),
      api<{ runs: RunRow[] }>(`/api/sweeps/${id}/runs`),
    ]);
    setData({ sweep: { ...sweep, id }, cells: grid.cells, runs: runs.runs });
  };

  useEffect(() => {
    const source = new EventSource(`/api/events?sweep=${id}`);
    source.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent<string>).data) as Live & { runId: string };
      setLive((old) => ({ ...old, [p.runId]: p }));
    });
    source.addEventListener("sweep", (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as { status: string; runs: RunCounts };
      setData((old) => ({ ...old, sweep: { ...old.sweep, status: s.status, runs: s.runs } }));
      const done = s.runs.completed + s.runs.failed;
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

  const depths = [...new Set(data.cells.map((c) => c.depth))].sort((a, b) => a - b);
  const activations = [...new Set(data.cells.map((c) => c.activation))];
  const initializers = [...new Set(data.cells.map((c) => c.initializer))];
  const values = data.cells.map((c) => num(c[metric].mean)).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const diagnoses = data.cells.reduce<Record<string, number>>((acc, c) => {
    for (const [k, n] of Object.entries(c.diagnoses)) acc[k] = (acc[k] ?? 0) + n;
    return acc;
  }, {});
  const scale = (v: number | null) => (v === null ? null : metric === "deadFraction" || metric === "saturatedFraction" ? 100 * v : v);

  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const matching = needle ? data.runs.filter((r) => Object.values(r).some((v) => String(v).toLowerCase().includes(needle))) : data.runs;
    return [...matching].sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      const nx = typeof x === "string" && !Number.isNaN(Number(x)) ? Number(x) : x;
      const ny = typeof y === "string" && !Number.isNaN(Number(y)) ? Number(y) : y;
      return (nx === null ? 1 : ny === null ? -1 : nx < ny ? -1 : nx > ny ? 1 : 0) * sort.dir;
    });
  }, [data.runs, filter, sort]);

  const { runs } = data.sweep;
  const done = runs.completed + runs.failed + runs.cancelled;
  const column = (key: keyof RunRow, title: string, numeric = false) => (
    <th className={`sortable${numeric ? " num" : ""}`} onClick={() => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : 1 }))}>
      {title}
      {sort.key === key ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
    </th>
  );

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
                      const cell = data.cells.find((c) => c.depth === depth && c.activation === a && c.initializer === i);
                      const mean = cell ? num(cell[metric].mean) : null;
                      return (
                        <td key={i} className="cell" style={{ background: colour(metric, mean, lo, hi) }} title={cell ? Object.keys(cell.diagnoses).join(", ") : ""}>
                          {cell ? `${fmt(scale(mean))} ± ${fmt(scale(num(cell[metric].std)))} (${cell[metric].n})` : "–"}
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
              <span key={k} className="badge bad">
                {k}: {n}
              </span>
            ))}
      </p>
      <h2>Runs</h2>
      <input placeholder="filter (any column)" value={filter} onChange={(e) => setFilter(e.target.value)} />{" "}
      <a href={selected.length > 0 ? `/compare?runs=${selected.join(",")}` : undefined} aria-disabled={selected.length === 0} data-testid="compare-link">
        Compare {selected.length} selected
      </a>
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
          {rows.map((r) => {
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
