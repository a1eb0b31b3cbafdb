"use client";
import { useState } from "react";
import { counts, fmt } from "./format.ts";
import { useEventStream } from "./live.ts";
import { StatusBar } from "./status-bar.tsx";
import type { Wired } from "@gradtrace/core/vocabulary";
import type { OverviewData as ServerOverview } from "../../lib/pages.ts";

/** What the home page is sent, and again whenever it changes. */
export type OverviewData = Wired<ServerOverview>;

/** The home page: sweeps with live progress, connected workers and the queue's depth. */
export function Overview({ initial }: { initial: OverviewData }) {
  const [data, setData] = useState(initial);
  useEventStream("/api/events", { overview: (d) => setData(d as OverviewData) });
  return (
    <>
      <h1>Sweeps</h1>
      {data.sweeps.length === 0 ? (
        <p className="muted">
          No sweeps yet. <a href="/sweeps/new">Launch one</a>.
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
