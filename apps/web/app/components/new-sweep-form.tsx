"use client";
import { useEffect, useMemo, useState } from "react";
import {
  ACTIVATIONS,
  GENERATED_DATASETS,
  INITIALIZERS,
  OPTIMIZER_NAMES,
  RUN_TARGETS,
  STOPPING_METRICS,
  suggestedValue,
  type Parameter,
  type RunTarget,
  type StoppingMetric,
} from "@gradtrace/core/vocabulary";
import { api } from "./format.ts";
import { PRESETS } from "./presets.ts";

const ACTIVATION_CHOICES = ACTIVATIONS.map((a) => a.name);
const INITIALIZER_CHOICES = INITIALIZERS.map((i) => i.name);
/** The parameter the form edits for each parameterised activation or initializer: its first, starting at its default or example. */
const PARAMETER: Record<string, [string, number]> = Object.fromEntries(
  [...ACTIVATIONS, ...INITIALIZERS].flatMap((c) => {
    const [first] = Object.entries(c.parameters as Record<string, Parameter>);
    return first ? [[c.name, [first[0], suggestedValue(first[1])]]] : [];
  }),
);
/** Generated datasets: inline `points` are for specs written by hand, not a form. */
const DATASETS = GENERATED_DATASETS;
const TARGET_TITLES = { any: "any (CPU or GPU)", cpu: "CPU only", gpu: "GPU only" } as const satisfies Record<RunTarget, string>;
/** The form's early-stopping choices: each rule with the diagnosis rule, or the diagnosis rule alone, or none. */
const STOPPING_TITLES = {
  off: "off: train every run to the end",
  diagnoses: "runs whose trace proves them broken (diagnosis rule)",
  asha: "ASHA + diagnosis rule",
  median: "median rule + diagnosis rule",
} as const;
type StoppingChoice = keyof typeof STOPPING_TITLES;

/** The form's state: checked names with their parameters, and the list fields as typed. */
interface Form {
  name: string;
  activations: Record<string, number | null>;
  initializers: Array<{ name: string; param: number | null }>;
  depths: string;
  widths: string;
  optimizers: string[];
  learningRates: string;
  dataset: string;
  samples: string;
  seeds: string;
  epochs: string;
  batchSize: string;
  sampling: "grid" | "random" | "tpe";
  count: string;
  parallelism: string;
  objective: StoppingMetric;
  device: RunTarget;
  stopping: StoppingChoice;
  stopMetric: StoppingMetric;
  minEpochs: string;
  reductionFactor: string;
}

/** A number field's value: the number, or the text itself, so the API's message shows what was typed ("abc"). */
const num = (text: string): number | string => (text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text);
/** A list field's values, each as `num` reads it. */
const list = (text: string): Array<number | string> =>
  text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(num);

/** The list fields a search may give as a range, `low..high`, with the setting each ranges over and whether on a log scale. */
const RANGED = { depths: ["depth", false], widths: ["width", true], learningRates: ["learningRate", true] } as const;
/** A field typed as a range (`1e-4..1`), or null. */
const rangeOf = (text: string): [number | string, number | string] | null => {
  const m = /^\s*(\S+?)\s*\.\.\s*(\S+)\s*$/.exec(text);
  return m ? [num(m[1]!), num(m[2]!)] : null;
};

function toSpec(f: Form): object {
  // In a search, a list field typed as a range becomes a range of the search space.
  const ranges = Object.entries(RANGED).flatMap(([field, [setting, log]]) => {
    const r = f.sampling === "tpe" ? rangeOf(f[field as keyof typeof RANGED]) : null;
    return r ? [[field, setting, { low: r[0], high: r[1], log }] as const] : [];
  });
  const listed = (field: keyof typeof RANGED) => (ranges.some(([f]) => f === field) ? {} : { [field]: list(f[field]) });
  return {
    name: f.name,
    axes: {
      activations: Object.entries(f.activations).map(([name, p]) => (p === null ? { name } : { name, [PARAMETER[name]![0]]: p })),
      initializers: f.initializers.map(({ name, param }) => (param === null ? { name } : { name, [PARAMETER[name]![0]]: param })),
      ...listed("depths"),
      ...listed("widths"),
      optimizers: f.optimizers,
      ...listed("learningRates"),
      datasets: [{ name: f.dataset, samples: num(f.samples) }],
      seeds: list(f.seeds),
    },
    fixed: { epochs: num(f.epochs), batchSize: f.batchSize === "full" ? "full" : num(f.batchSize) },
    sampling:
      f.sampling === "grid"
        ? { mode: "grid" }
        : f.sampling === "random"
          ? { mode: "random", count: num(f.count) }
          : {
              mode: "tpe",
              trials: num(f.count),
              parallelism: num(f.parallelism),
              objective: f.objective,
              space: Object.fromEntries(ranges.map(([, setting, r]) => [setting, r])),
            },
    device: f.device,
    ...(f.stopping === "off"
      ? {}
      : {
          stopping:
            f.stopping === "diagnoses"
              ? { rule: "none", diagnoses: true }
              : {
                  rule: f.stopping,
                  metric: f.stopMetric,
                  minEpochs: num(f.minEpochs),
                  ...(f.stopping === "asha" ? { reductionFactor: num(f.reductionFactor) } : {}),
                  diagnoses: true,
                },
        }),
  };
}

type Named = { name: string } & Record<string, unknown>;

/** A list field's text: the axis list, or the search range `low..high` standing in for it. */
const listOrRange = (values: unknown[] | undefined, range: { low: number; high: number } | undefined): string =>
  range ? `${range.low}..${range.high}` : (values ?? []).join(", ");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an imported spec is checked by the API, not here
function fromSpec(spec: Record<string, any>): Form {
  const param = (n: Named) => (PARAMETER[n.name] ? ((n[PARAMETER[n.name]![0]] as number) ?? PARAMETER[n.name]![1]) : null);
  const dataset = (spec.axes?.datasets?.[0] ?? { name: "moons" }) as Named;
  return {
    name: spec.name ?? "",
    activations: Object.fromEntries(((spec.axes?.activations ?? []) as Named[]).map((a) => [a.name, param(a)])),
    initializers: ((spec.axes?.initializers ?? []) as Named[]).map((i) => ({ name: i.name, param: param(i) })),
    depths: listOrRange(spec.axes?.depths, spec.sampling?.space?.depth),
    widths: listOrRange(spec.axes?.widths, spec.sampling?.space?.width),
    optimizers: spec.axes?.optimizers ?? ["sgd"],
    learningRates: listOrRange(spec.axes?.learningRates, spec.sampling?.space?.learningRate),
    dataset: dataset.name,
    samples: String(dataset.samples ?? 1280),
    seeds: (spec.axes?.seeds ?? [0]).join(", "),
    epochs: String(spec.fixed?.epochs ?? 30),
    batchSize: String(spec.fixed?.batchSize ?? 32),
    sampling: spec.sampling?.mode === "random" || spec.sampling?.mode === "tpe" ? spec.sampling.mode : "grid",
    count: String(spec.sampling?.count ?? spec.sampling?.trials ?? 100),
    parallelism: String(spec.sampling?.parallelism ?? 4),
    objective: STOPPING_METRICS.includes(spec.sampling?.objective) ? spec.sampling.objective : "valLoss",
    device: RUN_TARGETS.includes(spec.device) ? spec.device : "any",
    stopping: !spec.stopping ? "off" : spec.stopping.rule === "asha" || spec.stopping.rule === "median" ? spec.stopping.rule : "diagnoses",
    stopMetric: STOPPING_METRICS.includes(spec.stopping?.metric) ? spec.stopping.metric : "valLoss",
    minEpochs: String(spec.stopping?.minEpochs ?? 5),
    reductionFactor: String(spec.stopping?.reductionFactor ?? 3),
  };
}

/** Which form field an API issue path belongs to. */
function fieldOf(path: string): string {
  const [head, second] = path.replace(/\[\d+\]/g, "").split(".");
  if (head === "axes") return second === "datasets" ? "dataset" : (second ?? "axes");
  if (head === "fixed") return second ?? "fixed";
  // A range's error belongs to the list field it was typed in.
  if (head === "sampling" && second === "space") {
    const setting = path.replace(/\[\d+\]/g, "").split(".")[2];
    return Object.entries(RANGED).find(([, [s]]) => s === setting)?.[0] ?? "sampling";
  }
  return head ?? "";
}

/**
 * The new-sweep form: axes, presets, live run count, server-side validation next to each field,
 * JSON import/export. `initial` fills it in (a clone of a sweep); `notice` says where it came from.
 */
export function NewSweepForm({ initial, notice }: { initial?: Record<string, unknown>; notice?: string } = {}) {
  const [form, setForm] = useState<Form>(() => fromSpec(initial ?? PRESETS["best-practices"]!.spec));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [runs, setRuns] = useState<number | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [launchError, setLaunchError] = useState<string>();
  const [json, setJson] = useState("");
  const spec = useMemo(() => toSpec(form), [form]);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  // Validation and the run count come from the server, with the same schemas the API applies.
  useEffect(() => {
    const timer = setTimeout(() => {
      api<{ runs: number }>("/api/sweeps?dryRun=1", { method: "POST", body: JSON.stringify(spec) })
        .then((r) => {
          setRuns(r.runs);
          setErrors({});
        })
        .catch((e: { body?: { issues?: Array<{ path: string; message: string; received?: string }>; error?: string } }) => {
          setRuns(null);
          const byField: Record<string, string[]> = {};
          for (const issue of e.body?.issues ?? [{ path: "form", message: e.body?.error ?? String(e) }])
            (byField[fieldOf(issue.path)] ??= []).push(issue.received ? `${issue.message} (got ${issue.received})` : issue.message);
          setErrors(byField);
        });
    }, 250);
    return () => clearTimeout(timer);
  }, [spec]);

  const err = (field: string) =>
    errors[field] ? (
      <div className="error" data-error={field}>
        {errors[field]!.join("; ")}
      </div>
    ) : null;
  const submit = async () => {
    setSubmitting(true);
    setLaunchError(undefined);
    try {
      const { sweepId } = await api<{ sweepId: string }>("/api/sweeps", { method: "POST", body: JSON.stringify(spec) });
      window.location.href = `/sweeps/${sweepId}`;
    } catch (error) {
      // Refused as a whole (a role short of launching, the queue away, too many launches): say why.
      setLaunchError((error as Error).message);
      setSubmitting(false);
    }
  };

  return (
    <>
      <h1>New sweep</h1>
      {notice && (
        <p className="muted" data-testid="form-notice">
          {notice}
        </p>
      )}
      <div className="card">
        Presets:{" "}
        {Object.entries(PRESETS).map(([key, p]) => (
          <button key={key} type="button" onClick={() => setForm(fromSpec(p.spec))} style={{ marginRight: 8 }}>
            {p.title}
          </button>
        ))}
      </div>
      <div className="row">
        <div style={{ flex: "1 1 560px" }}>
          <label htmlFor="name">Name</label>
          <input id="name" value={form.name} onChange={(e) => set({ name: e.target.value })} size={50} />
          {err("name")}
          <fieldset className="checks">
            <legend>Activations</legend>
            {ACTIVATION_CHOICES.map((a) => (
              <label key={a}>
                <input
                  type="checkbox"
                  name={`activation-${a}`}
                  checked={a in form.activations}
                  onChange={(e) => {
                    const next = { ...form.activations };
                    if (e.target.checked) next[a] = PARAMETER[a]?.[1] ?? null;
                    else delete next[a];
                    set({ activations: next });
                  }}
                />
                {a}
                {PARAMETER[a] && a in form.activations && (
                  <input
                    type="number"
                    step="any"
                    style={{ width: 60 }}
                    aria-label={`${a} ${PARAMETER[a]![0]}`}
                    title={PARAMETER[a]![0]}
                    value={form.activations[a] ?? ""}
                    onChange={(e) => set({ activations: { ...form.activations, [a]: Number(e.target.value) } })}
                  />
                )}
              </label>
            ))}
            {err("activations")}
          </fieldset>
          <fieldset className="checks">
            <legend>Initializers</legend>
            {INITIALIZER_CHOICES.map((name) => {
              const entries = form.initializers.filter((i) => i.name === name);
              return (
                <label key={name}>
                  <input
                    type="checkbox"
                    name={`init-${name}`}
                    checked={entries.length > 0}
                    onChange={(e) =>
                      set({
                        initializers: e.target.checked
                          ? [...form.initializers, { name, param: PARAMETER[name]?.[1] ?? null }]
                          : form.initializers.filter((i) => i.name !== name),
                      })
                    }
                  />
                  {name}
                  {PARAMETER[name] &&
                    entries.length > 0 &&
                    entries.map((entry, k) => (
                      <input
                        key={k}
                        type="number"
                        step="any"
                        style={{ width: 60 }}
                        aria-label={`${name} ${PARAMETER[name]![0]}`}
                        title={PARAMETER[name]![0]}
                        value={entry.param ?? ""}
                        onChange={(e) => set({ initializers: form.initializers.map((i) => (i === entry ? { ...i, param: Number(e.target.value) } : i)) })}
                      />
                    ))}
                </label>
              );
            })}
            {err("initializers")}
          </fieldset>
          <div className="row">
            {(
              [
                ["depths", "Depths (hidden layers)"],
                ["widths", "Widths"],
                ["learningRates", "Learning rates"],
                ["seeds", "Seeds"],
              ] as const
            ).map(([field, title]) => (
              <div key={field}>
                <label htmlFor={field}>{title}</label>
                <input id={field} value={form[field]} onChange={(e) => set({ [field]: e.target.value })} />
                {err(field)}
              </div>
            ))}
          </div>
          <fieldset className="checks">
            <legend>Optimizers</legend>
            {OPTIMIZER_NAMES.map((o) => (
              <label key={o}>
                <input
                  type="checkbox"
                  checked={form.optimizers.includes(o)}
                  onChange={(e) => set({ optimizers: e.target.checked ? [...form.optimizers, o] : form.optimizers.filter((x) => x !== o) })}
                />
                {o}
              </label>
            ))}
            {err("optimizers")}
          </fieldset>
          <div className="row">
            <div>
              <label htmlFor="dataset">Dataset</label>
              <select id="dataset" value={form.dataset} onChange={(e) => set({ dataset: e.target.value })}>
                {DATASETS.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
              {err("dataset")}
            </div>
            <div>
              <label htmlFor="samples">Samples</label>
              <input id="samples" value={form.samples} onChange={(e) => set({ samples: e.target.value })} size={6} />
            </div>
            <div>
              <label htmlFor="epochs">Epochs</label>
              <input id="epochs" value={form.epochs} onChange={(e) => set({ epochs: e.target.value })} size={6} />
              {err("epochs")}
            </div>
            <div>
              <label htmlFor="batchSize">Batch size</label>
              <input id="batchSize" value={form.batchSize} onChange={(e) => set({ batchSize: e.target.value })} size={6} />
              {err("batchSize")}
            </div>
            <div>
              <label htmlFor="sampling">Runs</label>
              <select id="sampling" value={form.sampling} onChange={(e) => set({ sampling: e.target.value as Form["sampling"] })}>
                <option value="grid">full grid</option>
                <option value="random">random sample of N</option>
                <option value="tpe">TPE search: N trials</option>
              </select>
              {form.sampling !== "grid" && <input aria-label="N" value={form.count} onChange={(e) => set({ count: e.target.value })} size={6} />}
              {form.sampling === "tpe" && (
                <>
                  {" "}
                  <label>
                    {" "}
                    in parallel <input aria-label="parallelism" value={form.parallelism} onChange={(e) => set({ parallelism: e.target.value })} size={3} />
                  </label>{" "}
                  <select aria-label="objective" value={form.objective} onChange={(e) => set({ objective: e.target.value as StoppingMetric })}>
                    {STOPPING_METRICS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                  <div className="muted">depths, widths and learning rates may be ranges: 1..8, 16..256, 1e-4..1</div>
                </>
              )}
              {err("sampling")}
            </div>
            <div>
              <label htmlFor="device">Workers</label>
              <select id="device" value={form.device} onChange={(e) => set({ device: e.target.value as Form["device"] })}>
                {RUN_TARGETS.map((t) => (
                  <option key={t} value={t}>
                    {TARGET_TITLES[t]}
                  </option>
                ))}
              </select>
              {err("device")}
            </div>
            <div>
              <label htmlFor="stopping">Stop early</label>
              <select id="stopping" value={form.stopping} onChange={(e) => set({ stopping: e.target.value as StoppingChoice })}>
                {(Object.keys(STOPPING_TITLES) as StoppingChoice[]).map((k) => (
                  <option key={k} value={k}>
                    {STOPPING_TITLES[k]}
                  </option>
                ))}
              </select>
              {(form.stopping === "asha" || form.stopping === "median") && (
                <>
                  {" "}
                  <select aria-label="stopping metric" value={form.stopMetric} onChange={(e) => set({ stopMetric: e.target.value as StoppingMetric })}>
                    {STOPPING_METRICS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>{" "}
                  <label>
                    from epoch <input aria-label="min epochs" value={form.minEpochs} onChange={(e) => set({ minEpochs: e.target.value })} size={4} />
                  </label>
                  {form.stopping === "asha" && (
                    <label>
                      {" "}
                      η <input aria-label="reduction factor" value={form.reductionFactor} onChange={(e) => set({ reductionFactor: e.target.value })} size={2} />
                    </label>
                  )}
                </>
              )}
              {err("stopping")}
            </div>
          </div>
          {err("form")}
          {err("axes")}
          <p>
            <strong data-testid="run-count">{runs === null ? "–" : runs}</strong> runs{" "}
            <button className="primary" type="button" disabled={runs === null || submitting} onClick={() => void submit()}>
              Launch sweep
            </button>
          </p>
          {launchError && (
            <p className="error" role="alert" data-testid="launch-error">
              {launchError}
            </p>
          )}
        </div>
        <div style={{ flex: "1 1 360px" }}>
          <label htmlFor="json">Sweep spec as JSON (export: copy; import: paste and apply)</label>
          <textarea id="json" rows={24} cols={60} value={json || JSON.stringify(spec, null, 2)} onChange={(e) => setJson(e.target.value)} />
          <div>
            <button
              type="button"
              onClick={() => {
                try {
                  setForm(fromSpec(JSON.parse(json)));
                  setJson("");
                } catch (e) {
                  setErrors({ form: [`the JSON could not be read: ${(e as Error).message}`] });
                }
              }}
            >
              Apply JSON
            </button>{" "}
            <a download="sweep.json" href={`data:application/json,${encodeURIComponent(JSON.stringify(spec, null, 2))}`}>
              Download JSON
            </a>
          </div>
        </div>
      </div>
    </>
  );
}
