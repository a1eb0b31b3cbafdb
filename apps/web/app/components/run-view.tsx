"use client";
import { useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { Figure, Lines, PALETTE } from "./charts.tsx";
import { Distributions } from "./distributions.tsx";
import { fmt } from "./format.ts";
import { fromWire, LAYER_METRICS, type EpochScalar, type LayerMetric, type Wired } from "@gradtrace/core/vocabulary";
import type { Bucket } from "@gradtrace/db";
import type { RunPageData } from "../../lib/pages.ts";

/** What the run page is sent. */
export type RunData = Wired<RunPageData>;

/** Chart rows from downsampled series: one row per bucket, x its last epoch, each series its last value. */
function rowsOf(series: Partial<Record<string, Wired<Bucket>[]>>, keys: string[]): Array<Record<string, number | null>> {
  const byEpoch = new Map<number, Record<string, number | null>>();
  for (const k of keys) {
    for (const b of series[k] ?? []) {
      const epoch = Number(b.toEpoch);
      const row = byEpoch.get(epoch) ?? { epoch };
      const v = fromWire(b.last);
      row[k] = v !== null && Number.isFinite(v) ? v : null;
      byEpoch.set(epoch, row);
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch! - b.epoch!);
}

/** One run: curves, per-layer gradient norms, depth profile with an epoch slider, histograms, diagnoses, spec, downloads. */
export function RunView({ initial }: { initial: RunData }) {
  const { run, series, layerSeries, epochs } = initial;
  const { layers } = run;
  const [at, setAt] = useState(0);
  const [metric, setMetric] = useState<LayerMetric>("activationStd");
  const epoch = epochs[Math.min(at, epochs.length - 1)];
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
        {run.workerId ? ` · ${run.device ?? ""} on ${run.workerId}` : ""} · {initial.epochCount} traced epochs · final val. accuracy {fmt(run.valAccuracy)} ·
        downloads:{" "}
        <a href={`/api/runs/${run.id}/trace?buckets=0`} download={`run-${run.id}.json`}>
          trace JSON
        </a>{" "}
        <a href={`/api/runs/${run.id}/trace?buckets=0&format=csv`} download={`run-${run.id}.csv`}>
          CSV
        </a>
      </p>
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
        <Lines title="gradient norm per layer (log)" rows={gradRows} x="epoch" xLabel="epoch" log series={names.map((n, l) => ({ key: `l${l}`, name: n }))} />
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
            <Bar dataKey="saturated" name="saturated" fill={PALETTE[4]} isAnimationActive={false} />
            <Bar dataKey="dead" name="dead" fill={PALETTE[1]} isAnimationActive={false} />
          </BarChart>
        </Figure>
      </div>
      <h2>Activation histograms at epoch {epoch?.epoch ?? 0}</h2>
      <div className="row" data-testid="histograms">
        {(epoch?.layers ?? []).map((l, i) => {
          const info = layers?.[i];
          const [lo, hi] = (info?.histogramRange ?? [0, 1]).map(Number) as [number, number];
          const bins = l.histogram.length;
          const data = l.histogram.map((count, b) => ({ x: Number((lo + ((b + 0.5) * (hi - lo)) / bins).toFixed(2)), count }));
          return (
            <Figure key={i} id={`histogram-${i}`} title={`${names[i]} (${info?.activation})`} rows={data.map(({ x, count }) => ({ binCentre: x, count }))}>
              <BarChart width={260} height={170} data={data} margin={{ top: 5, right: 5, bottom: 15, left: 0 }}>
                <XAxis dataKey="x" fontSize={10} label={{ value: "activation", position: "insideBottom", offset: -8, fontSize: 10 }} />
                <YAxis fontSize={10} width={40} />
                <Tooltip />
                <Bar dataKey="count" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
              </BarChart>
            </Figure>
          );
        })}
      </div>
      <Distributions layers={layers} epochs={epochs} />
      <h2>RunSpec</h2>
      <pre>{JSON.stringify(run.spec, null, 2)}</pre>
    </>
  );
}
