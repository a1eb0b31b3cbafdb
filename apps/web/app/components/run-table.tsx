"use client";
import { RUN_STATUSES, type Wired } from "@gradtrace/core/vocabulary";
import type { RunTableRow, RunTableSort } from "@gradtrace/db";
import type { RunProgress } from "@gradtrace/queue";
import type { Dispatch, SetStateAction } from "react";
import { fmt } from "./format.ts";
import type { CellAxes } from "./heatmap.tsx";
import type { Bounds } from "./parallel-coordinates.tsx";

/** A row of the run table as the page receives it. */
export type RunRow = Wired<RunTableRow>;
/** A running run's live progress, as its worker publishes it. */
export type Live = Wired<RunProgress>;

/** What the run table shows: the server filters, orders and pages (GET /api/sweeps/:id/runs). */
export interface TableQuery {
  q: string;
  status: string;
  diagnosis: string;
  /** A heatmap cell whose runs are shown (every axis but the seed). */
  cell: CellAxes | null;
  /** Bounds on numeric columns from the parallel coordinates' brushes. */
  bounds?: Bounds | null;
  sort: RunTableSort;
  dir: "asc" | "desc";
  offset: number;
  limit: number;
}

const PAGE_SIZES = [10, 100, 1000];

/** What the run table is given: a page of rows and how many match, the query and how to change it, selection and live progress. */
export interface RunTableProps {
  runs: readonly RunRow[];
  total: number;
  offset: number;
  query: TableQuery;
  setQuery: Dispatch<SetStateAction<TableQuery>>;
  /** Changes the query and goes back to its first page. */
  ask: (change: Partial<TableQuery>) => void;
  filter: string;
  setFilter: (text: string) => void;
  selected: readonly string[];
  setSelected: Dispatch<SetStateAction<string[]>>;
  live: Readonly<Record<string, Live>>;
  /** Where the CSV of every matching run downloads from. */
  csvUrl: string;
}

/** The sweep's run table: filters, paging, sortable columns, selection for comparison, live progress of running runs. */
export function RunTable({ runs: rows, total, offset, query, setQuery, ask, filter, setFilter, selected, setSelected, live, csvUrl }: RunTableProps) {
  const column = (key: RunTableSort, title: string, numeric = false) => (
    <th className={`sortable${numeric ? " num" : ""}`} onClick={() => ask({ sort: key, dir: query.sort === key && query.dir === "asc" ? "desc" : "asc" })}>
      {title}
      {query.sort === key ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
    </th>
  );
  const last = offset + rows.length;
  return (
    <>
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
      {query.bounds && (
        <span className="muted" data-testid="bounds-filter">
          in the brushes:{" "}
          {Object.entries(query.bounds)
            .map(([c, b]) => `${c} ${"among" in b ? b.among.join(" or ") : `${fmt(b.min)}–${fmt(b.max)}`}`)
            .join(", ")}{" "}
        </span>
      )}
      {query.cell && (
        <>
          <button onClick={() => ask({ cell: null })} data-testid="cell-filter" title="show every run again">
            {query.cell.activation} · {query.cell.initializer} · depth {query.cell.depth} ×
          </button>{" "}
          <a href={`/compare?runs=${rows.map((r) => r.id).join(",")}`} data-testid="compare-cell">
            compare these {rows.length}
          </a>{" "}
        </>
      )}
      <a href={selected.length > 0 ? `/compare?runs=${selected.join(",")}` : undefined} aria-disabled={selected.length === 0} data-testid="compare-link">
        Compare {selected.length} selected
      </a>{" "}
      ·{" "}
      <a href={csvUrl} data-testid="runs-csv">
        CSV of the {total} matching runs
      </a>
      <div className="muted" data-testid="runs-page" style={{ marginTop: 8 }}>
        <button disabled={offset === 0} onClick={() => setQuery((q) => ({ ...q, offset: Math.max(0, q.offset - q.limit) }))}>
          ‹ previous
        </button>{" "}
        {total === 0 ? "no runs match" : `runs ${offset + 1}–${last} of ${total}`}{" "}
        <button disabled={last >= total} onClick={() => setQuery((q) => ({ ...q, offset: q.offset + q.limit }))}>
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
            {column("trainLoss", "train loss", true)}
            {column("valLoss", "val. loss", true)}
            {column("valAccuracy", "val. acc.", true)}
            {column("gradientRatio", "grad ratio", true)}
            {column("deadFraction", "dead", true)}
            {column("saturatedFraction", "saturated", true)}
            <th>diagnoses, tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            // A worker's progress is newer than the row: the run may have started since the page was read.
            const l = live[r.id];
            const running =
              l !== undefined &&
              ((r.status === "running" && Number(l.attempt) === Number(r.attempt)) || (r.status === "queued" && Number(l.attempt) > Number(r.attempt)));
            const latest = running
              ? { className: "num live", title: `the latest epoch's (${l.epoch} of ${l.epochs}), while the run trains` }
              : { className: "num" };
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
                <td className="num">{fmt(r.learningRate)}</td>
                <td className="num">{r.seed}</td>
                <td data-testid="run-status-cell">
                  {running ? (
                    "running"
                  ) : r.stopReason ? (
                    <span className="badge pruned" title={`${r.stopReason.rule} at epoch ${r.stopReason.epoch}: ${r.stopReason.evidence}`}>
                      {r.status}
                    </span>
                  ) : (
                    r.status
                  )}
                </td>
                <td className="num" data-testid="run-epoch">
                  {running ? `${l.epoch}/${l.epochs}` : r.epochsDone}
                </td>
                <td {...latest}>{fmt(running ? l.trainLoss : r.trainLoss)}</td>
                <td className="num">{running ? "–" : fmt(r.valLoss)}</td>
                <td {...latest}>{fmt(running ? l.valAccuracy : r.valAccuracy)}</td>
                <td className="num">{fmt(r.gradientRatio)}</td>
                <td className="num">{fmt(r.deadFraction)}</td>
                <td className="num">{fmt(r.saturatedFraction)}</td>
                <td>
                  {(running && l.worst ? [l.worst] : r.diagnosisKinds).map((k) => (
                    <span key={k} className="badge bad">
                      {k}
                    </span>
                  ))}
                  {r.tags.map((t) => (
                    <span key={t} className="badge tag">
                      {t}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        Metrics are the final epoch&apos;s; <span className="live">italic</span> ones are the latest epoch&apos;s of a run still training.
      </p>
    </>
  );
}
