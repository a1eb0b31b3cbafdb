import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { specFromArgs } from "./train-command.ts";

const bin = fileURLToPath(new URL("../bin/gradtrace.js", import.meta.url));
const gradtrace = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
const small = ["--depth", "3", "--width", "8", "--epochs", "4", "--samples", "200", "--seed", "3"];

describe("gradtrace train", () => {
  it("prints one JSON line per traced epoch, then a summary with the diagnoses", () => {
    const result = gradtrace("train", ...small, "--activation", "tanh", "--init", "normal:0.01");
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["epoch", "epoch", "epoch", "epoch", "epoch", "summary"]);
    expect(lines.slice(0, -1).map((l) => l.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(lines[0].layers).toHaveLength(4);
    const summary = lines.at(-1);
    expect(summary.spec.model).toMatchObject({ hidden: [8, 8, 8], activation: { name: "tanh" }, weightInit: { name: "normal", std: 0.01 } });
    expect(summary.diagnoses.map((d: { kind: string }) => d.kind)).toContain("collapsed_at_init");
  });

  it("prints the same bytes every time, and one document with --format json", () => {
    const a = gradtrace("train", ...small);
    expect(gradtrace("train", ...small).stdout).toBe(a.stdout);
    const doc = JSON.parse(gradtrace("train", ...small, "--format", "json").stdout);
    expect(doc.epochs).toHaveLength(5);
    expect(JSON.stringify(doc.summary.final)).toBe(JSON.stringify(JSON.parse(a.stdout.trim().split("\n").at(-1)!).final));
  });

  it("takes a spec file and lets flags override it", () => {
    const dir = mkdtempSync(join(tmpdir(), "gradtrace-"));
    const file = join(dir, "spec.json");
    writeFileSync(
      file,
      JSON.stringify({ dataset: { name: "xor", samples: 100 }, model: { hidden: [4], activation: "relu", weightInit: "he_normal" }, training: { epochs: 9 } }),
    );
    const result = gradtrace("train", "--spec", file, "--epochs", "2", "--format", "json");
    expect(result.status).toBe(0);
    const trace = JSON.parse(result.stdout);
    expect(trace.spec.dataset.name).toBe("xor");
    expect(trace.spec.training.epochs).toBe(2);
  });

  it.each([
    [["--depth", "0", "--epochs", "3"], "--depth"],
    [["--width", "0", "--epochs", "3"], "model.hidden[0]"],
    [["--activation", "swish", "--epochs", "3"], "model.activation.name"],
    [["--epochs", "100000"], "training.epochs"],
    [["--epochs", "ten"], "training.epochs"],
    [["--epochs", "3", "--init", "normal"], "model.weightInit.std"],
    [["--spec", "{not json"], "--spec"],
    [["--epochs", "3", "--nonsense"], "Unknown option"],
    [["--epochs", "3", "--activation", "tanh:2"], "--activation: 'tanh:2': tanh takes no parameter"],
    [["--epochs", "3", "--init", "normal:"], "model.weightInit.std"],
  ])("exits 2 with a message naming what is wrong for %j", (args, field) => {
    const result = gradtrace("train", ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(field);
    expect(result.stderr).not.toContain("    at ");
    expect(result.stdout).toBe("");
  });

  it("reports every bad flag at once", () => {
    const result = gradtrace("train", "--activation", "swish", "--epochs", "99999", "--depth", "10000", "--lr", "abc", "--format", "yaml");
    expect(result.status).toBe(2);
    for (const field of ["--depth: got '10000'", "model.activation.name", "training.epochs", "training.optimizer.lr", "--format: got 'yaml'"]) {
      expect(result.stderr).toContain(field);
    }
  });

  it("reads negative numbers as values and says they are out of range", () => {
    const result = gradtrace("train", "--epochs", "-1", "--lr", "-0.5", "--seed", "-3");
    expect(result.status).toBe(2);
    expect(result.stderr).not.toContain("ambiguous");
    expect(result.stderr).toContain("training.epochs: Too small: expected number to be >=1 (got -1)");
    expect(result.stderr).toContain("training.optimizer.lr: Too small: expected number to be >0 (got -0.5)");
    expect(result.stderr).toContain("training.seed");
  });

  it("prints its version, and its help shows the defaults", () => {
    const version = gradtrace("--version");
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^gradtrace \d+\.\d+\.\d+\n$/);
    const help = gradtrace("help", "train");
    expect(help.stdout).toContain("(default 0.01; adam 0.001)");
    expect(help.stdout).toContain("(default relu)");
  });
});

describe("specFromArgs", () => {
  it("fills a runnable default network around the flags given", () => {
    expect(specFromArgs({ epochs: "5", activation: "leaky_relu:0.2", init: "orthogonal:2", optimizer: "adam", lr: "0.003" })).toEqual({
      dataset: { name: "moons" },
      model: { activation: { name: "leaky_relu", alpha: 0.2 }, weightInit: { name: "orthogonal", gain: 2 }, hidden: [64, 64] },
      training: { epochs: 5, optimizer: { name: "adam", lr: 0.003 } },
    });
  });

  it("replaces the optimizer's parameters when the flag names another optimizer", () => {
    const spec = specFromArgs({
      spec: JSON.stringify({ training: { epochs: 1, optimizer: { name: "momentum", lr: 0.1, momentum: 0.5 } } }),
      optimizer: "adam",
    });
    expect(spec.training).toEqual({ epochs: 1, optimizer: { name: "adam" } });
  });
});
