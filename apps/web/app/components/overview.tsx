"use client";
import { useEffect, useRef, useState } from "react";
import { api, counts, fmt } from "./format.ts";
import { useCoalesced, useEventStream } from "./live.ts";
import { useUrlSync } from "./url-state.ts";
import { StatusBar } from "./status-bar.tsx";
import type { Wired } from "@gradtrace/core/vocabulary";
import type { OverviewData as ServerOverview } from "../../lib/pages.ts";

/** What the home page is sent, and again whenever it changes. */
export type OverviewData = Wired<ServerOverview>;

/**
 * The home page: sweeps with live progress, connected workers and the queue's depth. A search
 * (kept in the URL as ?q=) lists the sweeps whose name or notes hold the text or that carry it as
 * a tag, read again whenever the overview changes.
 */
export function Overview({ initial, query }: { initial: OverviewData; query: string }) {
  const [data, setData] = useState(initial);
  const [text, setText] = useState(query);
  const [message, setMessage] = useState("");
  const searched = useRef(query);
  const search = useCoalesced(
    async () => {
      const q = searched.current;
      const found = await api<Pick<OverviewData, "sweeps">>(`/api/sweeps?take=50&q=${encodeURIComponent(q)}`);
      if (q === searched.current) setData((old) => ({ ...old, sweeps: found.sweeps }));
      setMessage("");
    },
    (e) => setMessage(e.message),
  );
  useEventStream("/api/events", {
    overview: (d) => {
      const live = d as OverviewData;
      setData((old) => (searched.current ? { ...live, sweeps: old.sweeps } : live));
      if (searched.current) search();
    },
  });
  // Typing searches after a pause, not at every key; the search is kept in the URL.
  const [committed, setCommitted] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => setCommitted(text), 250);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => {
    if (committed === searched.current) return;
    searched.current = committed;
    search();
  }, [committed]);
  useUrlSync({ q: committed });
  return (
    <>
      <h1>Sweeps</h1>
      <input data-testid="sweep-search" placeholder="find sweeps by name, notes or tag" value={text} size={40} onChange={(e) => setText(e.target.value)} />{" "}
      <span className="error">{message}</span>
      {data.sweeps.length === 0 ? (
        <p className="muted">
          {searched.current ? (
            `No sweep's name, notes or tags hold "${searched.current}".`
          ) : (
            <>
              No sweeps yet. <a href="/sweeps/new">Launch one</a>.
            </>
          )}
        </p>
      ) : (
        <table data-testid="sweeps">
          <thead>
            <tr>
              <th>name</th>
              <th>status</th>
              <th>progress</th>
              <th className="num">runs</th>
              <th>created</th>
              <th>best run (val. accuracy)</th>
            </tr>
          </thead>
          <tbody>
            {data.sweeps.map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={`/sweeps/${s.id}`}>{s.name}</a>
                </td>
                <td>{s.status}</td>
                <td className="muted">
                  <StatusBar runs={counts(s.runs)} testId="sweep-progress" />
                </td>
                <td className="num">{s.runs.total}</td>
                <td className="muted">{new Date(s.createdAt).toLocaleString()}</td>
                <td>
                  {s.best ? (
                    <a href={`/runs/${s.best.id}`}>
                      {s.best.activation} · {s.best.initializer} · depth {s.best.depth} ({fmt(s.best.valAccuracy ?? s.best.trainAccuracy)})
                    </a>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Workers</h2>
      <p className="muted">
        Queue: {data.queue.waiting ?? 0} waiting, {data.queue.active ?? 0} active, {data.queue.delayed ?? 0} delayed.
      </p>
      {data.workers.length === 0 ? (
        <p className="muted">
          No worker connected. Start one with <code>npx gradtrace worker --redis redis://HOST:PORT</code>.
        </p>
      ) : (
        <table data-testid="workers">
          <thead>
            <tr>
              <th>worker</th>
              <th>host</th>
              <th>device</th>
              <th className="num">concurrency</th>
              <th>current runs</th>
              <th className="num">runs/min</th>
              <th className="num">completed</th>
            </tr>
          </thead>
          <tbody>
            {data.workers.map((w) => (
              <tr key={w.id}>
                <td>{w.id}</td>
                <td>{w.host}</td>
                <td>
                  {w.device} <span className="muted">{w.deviceName}</span>
                </td>
                <td className="num">{w.concurrency}</td>
                <td>
                  {w.runs.map((r) => (
                    <a key={r.runId} href={`/runs/${r.runId}`} className="badge">
                      epoch {Math.max(0, Number(r.epoch))}/{r.epochs}
                    </a>
                  ))}
                </td>
                <td className="num">{w.runsPerMinute}</td>
                <td className="num">{w.completed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
