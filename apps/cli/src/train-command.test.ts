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
    expect(result.stderr).toContain("training.epochs: must be a whole number from 1 to 10000 (got -1)");
    expect(result.stderr).toContain("training.optimizer.lr: must be a number greater than 0 and at most 100 (got -0.5)");
    expect(result.stderr).toContain("training.seed");
  });

  it("prints its version, and its help shows the defaults", () => {
    const version = gradtrace("--version");
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^gradtrace \d+\.\d+\.\d+\n$/);
    const help = gradtrace("help", "train");
    expect(help.stdout).toContain("(default 0.01; adam 0.001)");
    expect(help.stdout).toContain("(default relu)");
    expect(gradtrace("train", "--help").stdout).toBe(help.stdout);
  });

  it("prints a table for people: one row per traced epoch, then the diagnoses", () => {
    const result = gradtrace("train", ...small, "--format", "table", "--activation", "tanh", "--init", "normal:0.01");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^\s+epoch\s+train loss\s+train acc\s+val loss\s+val acc$/);
    expect(lines.slice(1, 6).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([0, 1, 2, 3, 4]);
    expect(result.stdout).toMatch(/completed, 4 epochs\ndiagnoses:\n {2}collapsed_at_init from epoch 0: /);
  });
});

describe("gradtrace train --seeds", () => {
  const lines = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  const bornDead = ["--depth", "10", "--width", "2", "--epochs", "1", "--samples", "200"];

  it("trains every seed on threads, prints them in seed order, each as its own --seed run would end, then the aggregate", () => {
    const result = gradtrace("train", ...bornDead, "--seeds", "4..7,1", "--threads", "3");
    expect(result.status).toBe(0);
    const out = lines(result.stdout);
    expect(out.map((l) => l.type)).toEqual(["run", "run", "run", "run", "run", "aggregate"]);
    expect(out.slice(0, 5).map((l) => l.seed)).toEqual([4, 5, 6, 7, 1]);
    for (const run of out.slice(0, 5)) {
      const alone = lines(gradtrace("train", ...bornDead, "--seed", String(run.seed)).stdout).at(-1);
      expect({ final: run.final, diagnoses: run.diagnoses }).toEqual({ final: alone.final, diagnoses: alone.diagnoses });
    }
    const aggregate = out.at(-1);
    const collapsed = out.slice(0, 5).filter((l) => l.diagnoses.some((d: { kind: string }) => d.kind === "collapsed_at_init")).length;
    expect(collapsed).toBeGreaterThan(0);
    expect(aggregate.diagnoses.collapsed_at_init).toEqual({ runs: collapsed, fraction: collapsed / 5 });
    expect(aggregate).toMatchObject({ runs: 5, threads: 3, status: { completed: 5, diverged: 0 } });
    const losses = out.slice(0, 5).map((l) => l.final.trainLoss as number);
    expect(aggregate.final.trainLoss.mean).toBeCloseTo(losses.reduce((a, b) => a + b) / 5, 12);
  });

  it("prints a table with the aggregate, and one document with --format json", () => {
    const table = gradtrace("train", ...bornDead, "--seeds", "0..3", "--format", "table");
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^\s+seed\s+status\s+epochs\s+train loss/);
    expect(table.stdout).toMatch(/\n4 runs \(4 completed, 0 diverged\) in \d+\.\d s on \d threads?\n/);
    expect(table.stdout).toMatch(/ {2}trainLoss\s+\d\.\d{4} ± \d\.\d{4} {2}\(mean ± std over 4 runs\)/);
    const doc = JSON.parse(gradtrace("train", ...bornDead, "--seeds", "0..3", "--format", "json").stdout);
    expect(doc.seeds).toEqual([0, 1, 2, 3]);
    expect(doc.runs).toHaveLength(4);
    expect(doc.aggregate.runs).toBe(4);
  });

  it.each([
    [["--seeds", "0..9", "--seed", "1"], "--seed and --seeds: give one"],
    [["--seeds", "9..0"], "--seeds: the range '9..0' runs backwards; write 0..9"],
    [["--seeds", "0..999999"], "--seeds: '0..999999' names more than 100000 seeds"],
    [["--seeds", "1,x"], "--seeds: 'x' is not a seed or a range"],
    [["--seeds", "0..3", "--threads", "0"], "--threads: got '0', expected an integer from 1 to 256"],
    [["--threads", "2"], "--threads: only --seeds trains on threads"],
    [["--seeds", "0..3", "--depth", "0"], "--depth"],
  ])("exits 2 naming the problem for %j", (args, message) => {
    const result = gradtrace("train", "--epochs", "1", ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
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
