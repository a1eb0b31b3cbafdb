import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "./limits.ts";
import { datasetLabel, DatasetSpecSchema, parseRunSpec, SpecError, type RunSpecInput } from "./spec.ts";

const valid: RunSpecInput = {
  dataset: "moons",
  model: { hidden: [8, 8], activation: "tanh", weightInit: "xavier_normal" },
  training: { epochs: 3 },
};

function issuesOf(input: unknown) {
  try {
    parseRunSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).issues;
  }
  throw new Error("expected the spec to be rejected");
}

// Edits reach into nested fields freely: the point is to hand the parser what the type forbids.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const edit = (patch: (spec: Loose) => void): unknown => {
  const spec: Loose = structuredClone(valid);
  patch(spec);
  return spec;
};

describe("datasetLabel", () => {
  it("names a dataset by its name and the settings it changes from the defaults", () => {
    const label = (input: unknown) => datasetLabel(DatasetSpecSchema.parse(input));
    expect(label("moons")).toBe("moons");
    expect(label({ name: "moons", noise: 0.2, samples: 1280 })).toBe("moons");
    expect(label({ name: "moons", samples: 400 })).toBe("moons(samples=400)");
    expect(label({ name: "moons", standardize: false, stratified: true })).toBe("moons(standardize=false, stratified=true)");
    expect(label({ name: "spirals", noise: 0.5, arms: 4 })).toBe("spirals(arms=4, noise=0.5)");
    expect(label({ name: "points", features: [[0], [1], [2], [3]], labels: [0, 1, 0, 1] })).toBe("points(4×1)");
  });
});

describe("parseRunSpec", () => {
  it("fills in the documented defaults", () => {
    const spec = parseRunSpec(valid);
    expect(spec.dataset).toEqual({ name: "moons", samples: 1280, validationFraction: 0.2, seed: 0, noise: 0.2, standardize: true, stratified: false });
    expect(spec.model.biasInit).toEqual({ name: "zeros" });
    expect(spec.training).toEqual({ epochs: 3, batchSize: 32, optimizer: { name: "sgd", lr: 0.01 }, shuffle: true, seed: 0, timeLimit: 21600 });
    expect(spec.tracing).toEqual({ every: 1, histogramBins: 30, histogramScale: "symlog", probeSamples: 512, trainMetrics: "epoch_end" });
  });

  it.each([
    ["depth 0", edit((s) => (s.model.hidden = [])), "model.hidden", "must hold at least 1 item"],
    ["width 0", edit((s) => (s.model.hidden = [8, 0])), "model.hidden[1]", `must be a whole number from 1 to ${LIMITS.maxWidth}`],
    ["an unknown activation", edit((s) => (s.model.activation = "swish")), "model.activation.name", '"tanh"'],
    ["an unknown initializer", edit((s) => (s.model.weightInit = "glorot")), "model.weightInit.name", '"xavier_normal"'],
    ["an unknown dataset", edit((s) => (s.dataset = "mnist")), "dataset.name", 'must be one of "moons"'],
    [
      "epochs beyond the limit",
      edit((s) => (s.training.epochs = LIMITS.maxEpochs + 1)),
      "training.epochs",
      `must be a whole number from 1 to ${LIMITS.maxEpochs}`,
    ],
    ["a fractional epoch count", edit((s) => (s.training.epochs = 2.5)), "training.epochs", `must be a whole number from 1 to ${LIMITS.maxEpochs}`],
    ["a missing parameter", edit((s) => (s.model.weightInit = { name: "normal" })), "model.weightInit.std", "number"],
    [
      "a negative learning rate",
      edit((s) => (s.training.optimizer = { name: "adam", lr: -1 })),
      "training.optimizer.lr",
      "must be a number greater than 0 and at most 100",
    ],
    ["an unknown field", edit((s) => (s.model.dropout = 0.5)), "model", 'unknown field "dropout"; allowed: '],
    [
      "NaN in the data",
      edit(
        (s) =>
          (s.dataset = {
            name: "points",
            features: [
              [0, 0],
              [1, NaN],
              [2, 2],
              [3, 3],
            ],
            labels: [0, 1, 0, 1],
          }),
      ),
      "dataset.features[1][1]",
      "NaN",
    ],
    [
      "rows of different widths",
      edit((s) => (s.dataset = { name: "points", features: [[0, 0], [1], [2, 2], [3, 3]], labels: [0, 1, 0, 1] })),
      "dataset.features[1]",
      "expected 2 features",
    ],
    [
      "a full batch too large to hold",
      edit((s) => {
        s.dataset = { name: "moons", samples: LIMITS.maxSamples };
        s.model.hidden = [1024, 1024];
        s.training.batchSize = "full";
      }),
      "training.batchSize",
      "activations",
    ],
    ["too many parameters", edit((s) => (s.model.hidden = Array(20).fill(LIMITS.maxWidth))), "model.hidden", "parameters"],
  ])("rejects %s, naming the field and what is allowed", (_case, input, path, hint) => {
    const issues = issuesOf(input);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(`${issue!.message} ${issue!.received}`).toContain(hint);
  });

  it("says which value it was given", () => {
    const issue = issuesOf(edit((s) => (s.model.activation = "swish"))).find((i) => i.path === "model.activation.name");
    expect(issue?.received).toBe('"swish"');
    expect(new SpecError(issuesOf(edit((s) => (s.training.epochs = 0)))).message).toContain("training.epochs");
  });
});

describe("inputs no schema should have to see", () => {
  const nested = (depth: number) => JSON.parse("[".repeat(depth) + "1" + "]".repeat(depth)) as unknown;

  it("refuses 5,000 nested arrays with a SpecError (no stack overflow), anywhere in the document", () => {
    expect(issuesOf(nested(5000))).toEqual([
      expect.objectContaining({ path: "(root)", message: `expected JSON nested at most ${LIMITS.maxJsonDepth} levels deep` }),
    ]);
    expect(issuesOf({ ...valid, tracing: nested(100) })[0]!.received).toContain("deeper nesting at tracing[0][0]");
    expect(() => parseRunSpec({ ...valid, dataset: { name: "points", features: nested(LIMITS.maxJsonDepth - 3), labels: [0, 1] } })).toThrow(SpecError);
  });

  it.each([
    ["a NUL", "moo\u0000ns"],
    ["a lone high surrogate", "moons\ud800"],
    ["a lone low surrogate", "\udc00moons"],
  ])("refuses a string with %s, naming its field", (_, text) => {
    expect(issuesOf({ ...valid, dataset: { name: text } })).toEqual([
      { path: "dataset.name", message: "expected text without NUL characters or lone UTF-16 surrogates", received: "such a string" },
    ]);
    expect(issuesOf({ ...valid, [text]: 1 })[0]!.message).toBe("expected keys without NUL characters or lone UTF-16 surrogates");
  });

  it("keeps well-formed text, surrogate pairs included", () => {
    expect(issuesOf({ ...valid, dataset: { name: "moons 😀" } })[0]!.path).toBe("dataset.name");
    expect(issuesOf({ ...valid, dataset: { name: "moons 😀" } })[0]!.message).not.toContain("surrogate");
  });

  it("answers any JSON value with a RunSpec or a SpecError, never another error", () => {
    const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 40 }), fc.string({ unit: "binary" }), fc.constantFrom(nested(200), nested(40)));
    fc.assert(
      fc.property(anyJson, (input) => {
        try {
          parseRunSpec(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SpecError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("budgets of one run", () => {
  // The 330-byte flood of the hardening issue: 64 layers of width 1, 200 bins, 3,000 epochs traced each.
  const flood: RunSpecInput = {
    dataset: "moons",
    model: { hidden: Array<number>(64).fill(1), activation: "tanh", weightInit: "xavier_normal" },
    training: { epochs: 3000 },
    tracing: { histogramBins: 200 },
  };

  it("refuses a trace beyond LIMITS.maxTraceValues, saying its size and how to shrink it", () => {
    const [issue] = issuesOf(flood);
    expect(issue).toMatchObject({ path: "tracing.every" });
    expect(issue!.message).toContain("about 80186720 numbers (3001 traced epochs × 65 layers × 411 values); at most 4000000 are allowed");
    expect(() => parseRunSpec({ ...flood, tracing: { histogramBins: 200, every: 100 } })).not.toThrow();
  });

  it("refuses training beyond LIMITS.maxTrainingFlops, with the estimate", () => {
    const weeks = {
      ...valid,
      dataset: { name: "moons", samples: 100_000 },
      model: { ...valid.model, hidden: [1024, 1024, 1024] },
      training: { epochs: 10_000 },
      tracing: { every: 100 },
    };
    const issue = issuesOf(weeks).find((i) => i.path === "training.epochs");
    expect(issue?.message).toMatch(
      /^training would take about 1\.3e\+16 floating-point operations \(6 × 2118672 parameters × 100000 samples × 10000 epochs\); at most 2e\+14/,
    );
    expect(() => parseRunSpec({ ...weeks, training: { epochs: 10 } })).not.toThrow();
  });
});
