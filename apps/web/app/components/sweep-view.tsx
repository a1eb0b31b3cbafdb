"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, counts } from "./format.ts";
import { useCoalesced, useEventStream } from "./live.ts";
import { Heatmaps, type Cell, type CellAxes } from "./heatmap.tsx";
import { useUrlSync } from "./url-state.ts";
import { ImportanceView } from "./importance-view.tsx";
import { SlicesView } from "./slices-view.tsx";
import { ParallelCoordinates, type Bounds } from "./parallel-coordinates.tsx";
import { RunTable, type Live, type RunRow, type TableQuery } from "./run-table.tsx";
import { SearchView } from "./search-view.tsx";
import { StatusBar } from "./status-bar.tsx";
import { Annotations } from "./annotations.tsx";
import { GRID_AXES, settledRuns, stoppingLabel, SWEEP_ACTIONS, sweepActionAllowed, type SweepAction, type Wired } from "@gradtrace/core/vocabulary";
import type { SweepHeader, SweepPageData } from "../../lib/pages.ts";

const ACTION_LABELS: Record<SweepAction, string> = { pause: "Pause", resume: "Resume", retry: "Retry failed", cancel: "Cancel" };

/** What the sweep page is sent. */
export type SweepData = Wired<SweepPageData>;
/** What the `sweep` event says every second. */
type SweepTick = Wired<Pick<SweepHeader, "id" | "status" | "runs" | "epochsTrained">>;

/** One sweep: live progress, heatmaps per depth, diagnosis counts, the run table and the sweep's controls. */
export function SweepView({ initial }: { initial: SweepData }) {
  const [data, setData] = useState(initial);
  const [live, setLive] = useState<Record<string, Live>>({});
  const [query, setQuery] = useState<TableQuery>(() => ({
    ...initial.query,
    cell: initial.query.cell as CellAxes | null,
    offset: Number(initial.query.offset),
    limit: Number(initial.query.limit),
  }));
  const [filter, setFilter] = useState(query.q);
  const initialQuery = useRef(query);
  const queryRef = useRef(query);
  const asked = useRef(0);
  const [selected, setSelected] = useState<string[]>(() => (initial.view.selected ?? "").split(",").filter((s) => /^[0-9a-f-]{36}$/.test(s)));
  const [message, setMessage] = useState("");
  const id = data.sweep.id;
  const shownCounts = useRef(JSON.stringify(initial.sweep.runs));

  // A page of the table as JSON, or every run that matches as CSV.
  const runsUrl = (q: TableQuery, format: "json" | "csv" = "json") => {
    const params = new URLSearchParams({ sort: q.sort, dir: q.dir, ...(format === "csv" ? { format } : { offset: String(q.offset), limit: String(q.limit) }) });
    for (const key of ["q", "status", "diagnosis"] as const) if (q[key]) params.set(key, q[key]);
    for (const [axis, value] of Object.entries(q.cell ?? {})) params.set(axis, String(value));
    for (const [column, bound] of Object.entries(q.bounds ?? {})) {
      if ("among" in bound) params.set(`in.${column}`, bound.among.join("|"));
      else {
        params.set(`min.${column}`, String(bound.min));
        params.set(`max.${column}`, String(bound.max));
      }
    }
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
  const refresh = useCoalesced(
    async () => {
      const [sweep, grid, page, search] = await Promise.all([
        api<SweepData["sweep"]>(`/api/sweeps/${id}`),
        api<{ cells: Cell[] }>(`/api/sweeps/${id}/grid`),
        fetchRuns(queryRef.current),
        data.search ? api<Pick<SweepData, "search">>(`/api/sweeps/${id}/search`) : { search: null },
      ]);
      setData((old) => ({ ...old, sweep: { ...sweep, id }, cells: grid.cells, search: search.search, ...(page ?? {}) }));
    },
    (e) => setMessage(e.message),
  );
  const ask = (change: Partial<TableQuery>) => setQuery((q) => ({ ...q, offset: 0, ...change }));
  // The figures are memoised: the page's own changes (a live tick, a progress event, the table's
  // rows) redraw them only when what they show changes, so their callbacks keep one identity.
  const pick = useCallback((cell: CellAxes) => ask({ cell }), []);
  const brushed = useCallback((bounds: Bounds | null) => JSON.stringify(bounds) !== JSON.stringify(queryRef.current.bounds ?? null) && ask({ bounds }), []);

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

  // Runs moving between statuses change the table, the grid and a search's trials: they are read
  // again (coalesced); epochs between come from the workers' progress.
  useEventStream(`/api/events?sweep=${id}`, {
    progress: (p) => setLive((old) => ({ ...old, [(p as Live).runId]: p as Live })),
    sweep: (tick) => {
      const s = tick as SweepTick;
      const moved = JSON.stringify(s.runs);
      // A tick that changes nothing (the first one repeats what the page was rendered with) leaves the page as it is.
      setData((old) =>
        old.sweep.status === s.status && JSON.stringify(old.sweep.runs) === moved && String(old.sweep.epochsTrained) === String(s.epochsTrained)
          ? old
          : { ...old, sweep: { ...old.sweep, status: s.status, runs: s.runs, epochsTrained: s.epochsTrained } },
      );
      if (moved === shownCounts.current) return;
      shownCounts.current = moved;
      refresh();
    },
  });

  // The view lives in the URL, so a link or a reload opens the same one: defaults are left out.
  useUrlSync({
    q: query.q,
    status: query.status,
    diagnosis: query.diagnosis,
    sort: query.sort === "activation" ? null : query.sort,
    dir: query.dir === "asc" ? null : query.dir,
    offset: query.offset || null,
    limit: query.limit === Number(initial.pageSize) ? null : query.limit,
    ...Object.fromEntries(GRID_AXES.map((a) => [a, query.cell?.[a] ?? null])),
    selected: selected.join(","),
  });
  const runs = counts(data.sweep.runs);
  const act = async (action: SweepAction) => {
    const open = runs.queued + runs.running;
    // Cancelling cannot be undone: say what it stops before doing it.
    if (action === "cancel" && !window.confirm(`Cancel "${data.sweep.name}"? Its ${open} unfinished runs stop and never run; this cannot be undone.`)) return;
    try {
      await api(`/api/sweeps/${id}/${action}`, { method: "POST" });
      setMessage(`${action}: done`);
      refresh();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  const diagnoses = data.cells.reduce<Record<string, number>>((acc, c) => {
    for (const [k, n] of Object.entries(c.diagnoses)) acc[k] = (acc[k] ?? 0) + Number(n);
    return acc;
  }, {});

  // Every run asks for the sweep's epochs; a search's runs are its trials × seeds, proposed as it goes.
  const { spec } = data.sweep;
  const planned = spec.sampling.mode === "tpe" ? Number(spec.sampling.trials) * spec.axes.seeds.length : runs.total;
  const [trained, requested] = [Number(data.sweep.epochsTrained), planned * Number(spec.fixed.epochs)];
  const effort = `trained ${trained.toLocaleString("en")} of ${requested.toLocaleString("en")} epochs asked for${
    requested > 0 && runs.pruned > 0 ? ` (${Math.round(100 * (1 - trained / requested))}% saved by stopping ${runs.pruned} runs early)` : ""
  }`;

  const remove = async () => {
    const open = runs.queued + runs.running;
    const question = `Delete "${data.sweep.name}" with its ${runs.total} runs and their traces?${open > 0 ? ` Its ${open} unfinished runs are cancelled first.` : ""} This cannot be undone.`;
    if (!window.confirm(question)) return;
    try {
      await api(`/api/sweeps/${id}`, { method: "DELETE" });
      window.location.href = "/";
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  return (
    <>
      <h1 data-testid="sweep-name">{data.sweep.name}</h1>
      <Annotations
        url={`/api/sweeps/${id}`}
        values={{ name: data.sweep.name, notes: data.sweep.notes, tags: data.sweep.tags }}
        onSaved={(saved) => setData((old) => ({ ...old, sweep: { ...old.sweep, ...(saved as SweepData["sweep"]) } }))}
      />
      <div className="card">
        <strong data-testid="sweep-status">{data.sweep.status}</strong> <StatusBar runs={runs} testId="sweep-counts" />{" "}
        <span className="muted" data-testid="sweep-device">
          · trained by {data.sweep.spec.device === "cpu" ? "CPU workers" : data.sweep.spec.device === "gpu" ? "GPU workers" : "any worker"}
        </span>
        {data.sweep.launchedBy && (
          <span className="muted" data-testid="sweep-launched-by">
            {" "}
            · launched by {data.sweep.launchedBy}
          </span>
        )}
        <div className="muted" data-testid="sweep-effort">
          {stoppingLabel(data.sweep.spec.stopping)} · {effort}
        </div>
        <div style={{ marginTop: 8 }}>
          {(Object.keys(SWEEP_ACTIONS) as SweepAction[]).map((action) => {
            const allowed = sweepActionAllowed(action, String(data.sweep.status)) && (action !== "retry" || runs.failed > 0);
            const why = allowed ? undefined : action === "retry" && runs.failed === 0 ? "no failed runs" : `the sweep is ${data.sweep.status}`;
            return (
              <button key={action} data-testid={`action-${action}`} disabled={!allowed} title={why} onClick={() => void act(action)}>
                {ACTION_LABELS[action]}
              </button>
            );
          })}{" "}
          <a href={`/sweeps/new?from=${id}`} data-testid="clone" className="button">
            Clone into a new sweep
          </a>{" "}
          <button data-testid="delete" onClick={() => void remove()}>
            Delete…
          </button>{" "}
          <span className="muted">{message}</span>
        </div>
        <details data-testid="spec">
          <summary>Spec</summary>
          <table className="spec">
            <tbody>
              {Object.entries({ ...spec.axes, ...spec.fixed, sampling: spec.sampling, ...(spec.stopping ? { stopping: spec.stopping } : {}) }).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td>
                    <code>{JSON.stringify(v)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <pre data-testid="spec-json">{JSON.stringify(spec, null, 2)}</pre>
        </details>
      </div>
      {data.search && <SearchView search={data.search} />}
      {data.sweep.spec.sampling.mode === "tpe" && Object.keys(data.sweep.spec.sampling.space).length > 0 ? (
        <p className="muted">A search drawing settings from ranges gives every trial a cell of its own: its trials are above, its runs below.</p>
      ) : (
        <Heatmaps cells={data.cells} picked={query.cell} onPick={pick} view={initial.view} />
      )}
      <ImportanceView sweepId={id} version={settledRuns(runs)} view={initial.view} />
      <SlicesView sweepId={id} version={settledRuns(runs)} view={initial.view} />
      <ParallelCoordinates sweepId={id} version={settledRuns(runs)} view={initial.view} onBounds={brushed} />
      <h2>Diagnoses</h2>
      <p data-testid="diagnosis-counts">
        {Object.keys(diagnoses).length === 0
          ? "none yet"
          : Object.entries(diagnoses).map(([k, n]) => (
              <button
                key={k}
                className={`badge bad${query.diagnosis === k ? " chosen" : ""}`}
                title="show these runs in the table"
                onClick={() => ask({ diagnosis: query.diagnosis === k ? "" : k })}
              >
                {k}: {n}
              </button>
            ))}
      </p>
      <RunTable
        runs={data.runs}
        total={Number(data.total)}
        offset={Number(data.offset)}
        query={query}
        setQuery={setQuery}
        ask={ask}
        filter={filter}
        setFilter={setFilter}
        selected={selected}
        setSelected={setSelected}
        live={live}
        csvUrl={runsUrl(query, "csv")}
      />
    </>
  );
}
