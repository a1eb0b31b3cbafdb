"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "./format.ts";
import { useCoalesced, useEventStream } from "./live.ts";
import { Annotations } from "./annotations.tsx";
import { useUrlSync } from "./url-state.ts";
import { choice, type View } from "./view.ts";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { Figure, Lines } from "./charts.tsx";
import { bucketPoints, seriesStyle } from "./axes.ts";
import { binScaleNote, countsOf, HISTOGRAM_OF, HISTOGRAMS_OF, layerBinEdges, type HistogramOf } from "./bins.ts";
import { Distributions } from "./distributions.tsx";
import { SignalPropagation } from "./signal-propagation.tsx";
import { fmt } from "./format.ts";
import type { Live } from "./run-table.tsx";
import { fromWire, LAYER_METRICS, type EpochScalar, type LayerMetric, type Wired } from "@gradtrace/core/vocabulary";
import type { Bucket } from "@gradtrace/db";
import type { RunPageData } from "../../lib/pages.ts";

/** What the run page is sent. */
export type RunData = Wired<RunPageData>;

/** Chart rows from downsampled series: one row per epoch drawn (each bucket's first and last), each series its value there. */
function rowsOf(series: Partial<Record<string, Wired<Bucket>[]>>, keys: string[]): Array<Record<string, number | null>> {
  const byEpoch = new Map<number, Record<string, number | null>>();
  for (const k of keys) {
    for (const [epoch, v] of bucketPoints(series[k] ?? [], fromWire)) {
      const row = byEpoch.get(epoch) ?? { epoch };
      row[k] = v !== null && Number.isFinite(v) ? v : null;
      byEpoch.set(epoch, row);
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch! - b.epoch!);
}

/** What the `run` event says whenever the run moves. */
type RunTick = Wired<{ id: string; status: string; attempt: number; epochsDone: number }>;

/**
 * One run: curves, per-layer gradient norms, depth profile with an epoch slider, histograms,
 * diagnoses, spec, downloads. Live while the run trains: each time its worker publishes an epoch
 * the header's epoch moves, and each time the recorder stores epochs every view is redrawn from
 * the stored trace (the slider stays where it is, or follows the last epoch if it was there).
 */
export function RunView({ initial, view }: { initial: RunData; view: View }) {
  const [data, setData] = useState(initial);
  const [live, setLive] = useState<Live | null>(null);
  const [message, setMessage] = useState("");
  const { run, series, layerSeries, epochs } = data;
  const { layers } = run;
  // The slider's index among the epochs shown; the first load sets it from the URL's epoch (the shown one at or before it).
  const [at, setAt] = useState(0);
  const seen = useRef(`${run.status}/${run.attempt}/${run.epochsDone}`);
  const loaded = useRef(false);
  const reload = useCoalesced(
    async () => {
      const [row, trace] = await Promise.all([api<RunData["run"]>(`/api/runs/${run.id}`), api<Omit<RunData, "run">>(`/api/runs/${run.id}/trace?buckets=200`)]);
      // The first load puts the slider where the URL says; later, a slider on the last epoch follows
      // the run and one moved back stays where it was put.
      const following = at >= epochs.length - 1;
      setData({ run: row, series: trace.series, layerSeries: trace.layerSeries, epochs: trace.epochs, epochCount: trace.epochCount });
      if (!loaded.current)
        setAt(
          Math.max(
            0,
            trace.epochs.findLastIndex((e) => Number(e.epoch) <= Number(view.epoch ?? 0)),
          ),
        );
      else if (following) setAt(Math.max(0, trace.epochs.length - 1));
      loaded.current = true;
      setMessage("");
    },
    (e) => setMessage(`could not ${loaded.current ? "refresh" : "load the trace"}: ${e.message}`),
  );
  // The server sends the run without its trace (see runPageData): fetch it once here.
  useEffect(reload, [reload]);
  useEventStream(`/api/events?run=${run.id}`, {
    progress: (p) => setLive(p as Live),
    run: (t) => {
      const { status, attempt, epochsDone } = t as RunTick;
      const state = `${status}/${attempt}/${epochsDone}`;
      if (state === seen.current) return;
      seen.current = state;
      reload();
    },
  });
  const training = run.status === "running" && live !== null && Number(live.attempt) === Number(run.attempt);
  const [metric, setMetric] = useState<LayerMetric>(() => choice(view, "metric", LAYER_METRICS, "activationStd"));
  const epoch = epochs[Math.min(at, epochs.length - 1)];
  // Which histogram the histogram figures show; pre-activations only where the trace recorded them.
  const [of, setOf] = useState<HistogramOf>(() => choice(view, "histograms", HISTOGRAMS_OF, "histogram"));
  const hasPreActivations = epochs.some((e) => e.layers[0]?.preActivationHistogram);
  const shown = hasPreActivations ? of : "histogram";
  useUrlSync({
    epoch: at === 0 ? null : (epoch?.epoch ?? null),
    metric: metric === "activationStd" ? null : metric,
    histograms: of === "histogram" ? null : of,
  });
  const names = (layers ?? []).map((l) => (l.kind === "output" ? "output" : `layer ${Number(l.index) + 1}`));
  const gradRows = useMemo(() => {
    const keyed = Object.fromEntries((layerSeries.gradNorm ?? []).map((s, l) => [`l${l}`, s]));
    return rowsOf(keyed, Object.keys(keyed));
  }, [layerSeries]);
  const profile = (epoch?.layers ?? []).map((l, i) => ({ layer: i + 1, value: fromWire(l[metric]) }));
  /** A chart of one measure on the training and the validation split over the epochs. */
  const trainAndValidation = (title: string, train: EpochScalar, validation: EpochScalar) => (
    <Lines
      title={title}
      rows={rowsOf(series, [train, validation])}
      x="epoch"
      xLabel="epoch"
      smoothable
      series={[
        { key: train, name: "train" },
        { key: validation, name: "validation", dashed: true },
      ]}
    />
  );
  const fractions = (epoch?.layers ?? [])
    .slice(0, -1)
    .map((l, i) => ({ layer: `${i + 1}`, saturated: fromWire(l.saturatedFraction), dead: fromWire(l.deadFraction) }));

  return (
    <>
      <h1>
        {run.activation} · {run.initializer} · depth {run.depth} × {run.width} · seed {run.seed}
      </h1>
      <p>
        <a href={`/sweeps/${run.sweepId}`}>← sweep</a> · status <strong data-testid="run-status">{run.status}</strong> · attempt {run.attempt}
        {run.workerId ? ` · ${run.device ?? ""} on ${run.workerId}` : ""}
        {training ? (
          <span data-testid="run-live">
            {" "}
            · training epoch {live.epoch} of {live.epochs}: train loss {fmt(live.trainLoss)}, val. accuracy {fmt(live.valAccuracy)}
          </span>
        ) : (
          <> · final val. accuracy {fmt(run.valAccuracy)}</>
        )}{" "}
        · <span data-testid="traced-epochs">{data.epochCount}</span> traced epochs stored · downloads:{" "}
        <a href={`/api/runs/${run.id}/trace?buckets=0`} download={`run-${run.id}.json`}>
          trace JSON
        </a>{" "}
        <a href={`/api/runs/${run.id}/trace?buckets=0&format=csv`} download={`run-${run.id}.csv`}>
          CSV
        </a>
      </p>
      <Annotations
        url={`/api/runs/${run.id}`}
        values={{ notes: run.notes, tags: run.tags }}
        onSaved={(saved) => setData((old) => ({ ...old, run: saved as RunData["run"] }))}
      />
      {message && <p className="error">{message}</p>}
      {run.error && <p className="error">{run.error}</p>}
      {run.stopReason && (
        <p data-testid="stop-reason">
          <span className="badge pruned">pruned</span> at epoch {run.stopReason.epoch} by{" "}
          {run.stopReason.rule === "diagnosis" ? "the diagnosis rule" : run.stopReason.rule === "asha" ? "ASHA" : "the median rule"}
          {run.stopReason.kind ? ` (${run.stopReason.kind})` : ""}: {run.stopReason.evidence}
        </p>
      )}
      <h2>Diagnoses</h2>
      {run.diagnoses && run.diagnoses.length > 0 ? (
        <ul data-testid="diagnoses">
          {run.diagnoses.map((d) => (
            <li key={d.kind}>
              <span className="badge bad">{d.kind}</span>
              {d.cause ? ` (cause: ${d.cause})` : ""} from epoch {d.epoch}: {d.evidence}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">
          {run.status === "completed"
            ? "none: the run trained"
            : run.status === "pruned"
              ? "none in the epochs it trained"
              : "not yet (the run has not finished)"}
        </p>
      )}
      <div className="row">
        {trainAndValidation("loss", "trainLoss", "valLoss")}
        {trainAndValidation("accuracy", "trainAccuracy", "valAccuracy")}
        <Lines
          title="gradient norm per layer"
          rows={gradRows}
          x="epoch"
          xLabel="epoch"
          log
          smoothable
          series={names.map((n, l) => ({ key: `l${l}`, name: n }))}
        />
      </div>
      <h2>Depth profile</h2>
      <label htmlFor="epoch">
        Epoch {epoch?.epoch ?? 0} ({at + 1} of {epochs.length} shown)
      </label>
      <input
        id="epoch"
        type="range"
        min={0}
        max={Math.max(0, epochs.length - 1)}
        value={at}
        onChange={(e) => setAt(Number(e.target.value))}
        style={{ width: 400 }}
      />{" "}
      <select aria-label="depth profile metric" value={metric} onChange={(e) => setMetric(e.target.value as LayerMetric)}>
        {LAYER_METRICS.map((m) => (
          <option key={m}>{m}</option>
        ))}
      </select>
      <div className="row">
        <Lines
          title={`${metric} by layer`}
          rows={profile}
          x="layer"
          xLabel="layer (1 = first hidden, last = output)"
          series={[{ key: "value", name: `${metric} at epoch ${epoch?.epoch ?? 0}` }]}
          log={metric.includes("Norm")}
          integerX
        />
        <Figure id="fractions" title="saturated and dead fractions per hidden layer" rows={fractions}>
          <BarChart width={560} height={280} data={fractions} margin={{ top: 5, right: 20, bottom: 20, left: 10 }}>
            <CartesianGrid stroke="#eee" />
            <XAxis dataKey="layer" label={{ value: "hidden layer", position: "insideBottom", offset: -10 }} />
            <YAxis domain={[0, 1]} width={50} />
            <Tooltip />
            <Legend verticalAlign="top" height={28} />
            <Bar dataKey="saturated" name="saturated" fill={seriesStyle(4).stroke} isAnimationActive={false} />
            <Bar dataKey="dead" name="dead" fill={seriesStyle(1).stroke} isAnimationActive={false} />
          </BarChart>
        </Figure>
      </div>
      <h2>
        {HISTOGRAM_OF[shown].title} at epoch {epoch?.epoch ?? 0}
      </h2>
      {hasPreActivations && (
        <p className="choices" data-testid="histogram-of">
          histograms of:{" "}
          {HISTOGRAMS_OF.map((h) => (
            <button key={h} type="button" className="link" aria-pressed={shown === h} onClick={() => setOf(h)}>
              {HISTOGRAM_OF[h].short}
            </button>
          ))}
        </p>
      )}
      <div className="row" data-testid="histograms">
        {(epoch?.layers ?? []).map((l, i) => {
          const info = layers?.[i];
          const counts = countsOf(l, shown);
          const edges = layerBinEdges(info, counts.length, shown);
          // One bar per bin, equally wide as the bins are in the trace's scale; labelled by the values they hold.
          const data = counts.map((count, b) => ({
            from: edges[b]!,
            to: edges[b + 1]!,
            label: fmt((edges[b]! + edges[b + 1]!) / 2, 2),
            count,
          }));
          return (
            <Figure
              key={i}
              id={`histogram-${i}`}
              title={`${names[i]} (${info?.activation}), ${HISTOGRAM_OF[shown].value}`}
              rows={data.map(({ from, to, count }) => ({ from, to, count }))}
            >
              <BarChart width={260} height={170} data={data} margin={{ top: 5, right: 5, bottom: 15, left: 0 }}>
                <XAxis
                  dataKey="label"
                  fontSize={10}
                  label={{ value: `${HISTOGRAM_OF[shown].value} (${binScaleNote(info)})`, position: "insideBottom", offset: -8, fontSize: 9 }}
                />
                <YAxis fontSize={10} width={40} />
                <Tooltip
                  labelFormatter={(_, payload) => {
                    const row = payload?.[0]?.payload as (typeof data)[number] | undefined;
                    return row ? `[${fmt(row.from)}, ${fmt(row.to)})` : "";
                  }}
                />
                <Bar dataKey="count" fill={seriesStyle(i).stroke} isAnimationActive={false} />
              </BarChart>
            </Figure>
          );
        })}
      </div>
      <SignalPropagation layers={layers} epoch={epochs.find((e) => Number(e.epoch) === 0)} of={shown} />
      <Distributions layers={layers} epochs={epochs} of={shown} />
      <h2>RunSpec</h2>
      <pre>{JSON.stringify(run.spec, null, 2)}</pre>
    </>
  );
}
