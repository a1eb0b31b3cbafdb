import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, startCli, until, type CliProcess } from "./cluster.ts";

// `gradtrace up` with no environment at all: embedded PGlite, a child redis-server, the dashboard
// (the production build `npm test` makes first), the recorder and workers in one process.
const started: CliProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.child.kill("SIGKILL");
});

async function up(cwd: string, port: number, ...args: string[]): Promise<{ p: CliProcess; url: string; redis: string }> {
  const p = startCli(["up", "--port", String(port), ...args], {}, cwd);
  started.push(p);
  await p.waitFor(/gradtrace is up: (http:\/\/\S+)/, 120_000);
  await p.waitFor(/more workers: npx gradtrace worker --redis ([^\s"]+)/);
  return { p, url: /gradtrace is up: (http:\/\/\S+)/.exec(p.output())![1]!, redis: /--redis (redis:\/\/\S+)/.exec(p.output())![1]! };
}

const json = async (url: string, init?: RequestInit) => (await (await fetch(url, init)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A fresh data directory and a random port for one `gradtrace up`. */
const place = () => ({ cwd: mkdtempSync(join(tmpdir(), "gt-up-")), port: 20_000 + Math.floor(Math.random() * 20_000) });
/** Launches `spec` on the dashboard at `url`; its sweep's id. */
const launch = async (url: string, spec: object): Promise<string> =>
  (await json(`${url}/api/sweeps`, { method: "POST", body: JSON.stringify(spec), headers: { "content-type": "application/json" } })).sweepId as string;
const sweep = {
  name: "up",
  axes: {
    activations: [{ name: "tanh" }, { name: "relu" }],
    initializers: [{ name: "xavier_normal" }],
    depths: [2],
    widths: [8],
    learningRates: [0.1],
    datasets: [{ name: "moons", samples: 200 }],
    seeds: [0, 1],
  },
  fixed: { epochs: 10, batchSize: 32 },
};

describe("gradtrace up", () => {
  it("runs on embedded defaults with no environment; a worker with only REDIS_URL trains; data survives a restart", async () => {
    const { cwd, port } = place();
    // No workers in this process: the one started below, with nothing but REDIS_URL, must train.
    const first = await up(cwd, port, "--concurrency", "0");
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(first.url)).status).toBe(200);
    const worker = startCli(["worker", "--concurrency", "1"], { REDIS_URL: first.redis });
    started.push(worker);
    await worker.waitFor(/"device":"cpu".*"msg":"ready"/);
    const sweepId = await launch(first.url, sweep);
    await until(async () => (await json(`${first.url}/api/sweeps/${sweepId}`)).status === "completed", 60_000, "the sweep to complete");
    const { runs } = await json(`${first.url}/api/sweeps/${sweepId}/runs`);
    expect(runs).toHaveLength(4);
    const trained = await json(`${first.url}/api/runs/${runs[0].id}`);
    expect(trained.workerId).toMatch(new RegExp(`-${worker.child.pid}-`));
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);

    first.p.child.kill("SIGINT");
    expect(await first.p.exited).toBe(0);
    expect(first.p.output()).toMatch(/stopped/);
    const second = await up(cwd, port);
    const { sweeps } = await json(`${second.url}/api/sweeps`);
    expect(sweeps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([[sweepId, "completed"]]);
    second.p.child.kill("SIGINT");
    expect(await second.p.exited).toBe(0);
  });

  it("holds its data directory: a second up is refused; after a kill -9 the next takes it over, stops the orphaned Redis and keeps its port", async () => {
    const { cwd, port } = place();
    const first = await up(cwd, port, "--concurrency", "0");
    const second = startCli(["up", "--port", String(port + 1)], {}, cwd);
    started.push(second);
    expect(await second.exited).toBe(2);
    expect(second.output()).toContain(`gradtrace: another gradtrace up (pid ${first.p.child.pid}) is using ${join(cwd, ".gradtrace")}`);

    first.p.child.kill("SIGKILL");
    await first.p.exited;
    const third = await up(cwd, port, "--concurrency", "0");
    expect(third.p.output()).toMatch(/stopped redis-server \d+, left running in .* by an earlier gradtrace up/);
    expect(third.redis).toBe(first.redis);
    const asked = Date.now();
    third.p.child.kill("SIGINT");
    expect(await third.p.exited).toBe(0);
    expect(Date.now() - asked).toBeLessThan(5000);
  });

  it("after a kill -9, queues again at once the runs the killed one was training, instead of after their leases", async () => {
    const { cwd, port } = place();
    const first = await up(cwd, port, "--concurrency", "1");
    const long = {
      ...sweep,
      axes: { ...sweep.axes, activations: [{ name: "relu" }], seeds: [0], widths: [256], datasets: [{ name: "moons", samples: 5000 }] },
      fixed: { epochs: 200, batchSize: 32 },
    };
    const sweepId = await launch(first.url, long);
    await until(async () => (await json(`${first.url}/api/sweeps/${sweepId}`)).runs.running === 1, 30_000, "the run to start");
    first.p.child.kill("SIGKILL");
    await first.p.exited;
    // No workers in the new one: the run can only be queued again by the restart itself.
    const second = await up(cwd, port, "--concurrency", "0");
    expect(second.p.output()).toMatch(new RegExp(`queued again 1 runs the gradtrace up that stopped \\(pid ${first.p.child.pid}\\) was training`));
    expect((await json(`${second.url}/api/sweeps/${sweepId}`)).runs).toMatchObject({ running: 0, queued: 1 });
    second.p.child.kill("SIGINT");
    expect(await second.p.exited).toBe(0);
  });

  it("stops within 5 s on Ctrl-C with a live client and runs in flight, which complete after a restart", async () => {
    const { cwd, port } = place();
    const first = await up(cwd, port, "--concurrency", "2");
    // Two runs of several seconds each.
    const long = {
      ...sweep,
      axes: { ...sweep.axes, activations: [{ name: "relu" }], widths: [256], datasets: [{ name: "moons", samples: 5000 }] },
      fixed: { epochs: 60, batchSize: 32 },
    };
    const sweepId = await launch(first.url, long);
    const live = new AbortController();
    const events = await fetch(`${first.url}/api/events?sweep=${sweepId}`, { signal: live.signal });
    const reader = events.body!.getReader();
    await until(async () => (await json(`${first.url}/api/sweeps/${sweepId}`)).runs.running === 2, 30_000, "both runs to start");
    const asked = Date.now();
    first.p.child.kill("SIGINT");
    expect(await first.p.exited).toBe(0);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(first.p.output().slice(first.p.output().indexOf("stopping")).split("\n").filter(Boolean).length).toBeLessThanOrEqual(5);
    await reader.cancel().catch(() => undefined);
    live.abort();

    const second = await up(cwd, port, "--concurrency", "2");
    await until(async () => (await json(`${second.url}/api/sweeps/${sweepId}`)).status === "completed", 90_000, "the interrupted runs to complete");
    second.p.child.kill("SIGINT");
    expect(await second.p.exited).toBe(0);
  });

  it("refuses to serve beyond loopback without accounts; with accounts, says how to make the first, which then logs in", async () => {
    const { cwd, port } = place();
    const open = startCli(["up", "--host", "0.0.0.0", "--port", "1"], { GRADTRACE_AUTH: "local" }, cwd);
    started.push(open);
    expect(await open.exited).toBe(2);
    expect(open.output()).toMatch(/^gradtrace: GRADTRACE_AUTH=local is only for a dashboard that listens on loopback, and this one listens on 0\.0\.0\.0/);

    const data = join(cwd, ".gradtrace");
    const start = () => {
      const p = startCli(["up", "--port", String(port), "--concurrency", "0"], { GRADTRACE_AUTH: "accounts" }, cwd);
      started.push(p);
      return p;
    };
    const first = start();
    await first.waitFor(/none exists yet: make the first with gradtrace user add EMAIL --role admin --data /, 120_000);
    expect((await fetch(`http://127.0.0.1:${port}/api/sweeps`)).status).toBe(401);
    // The embedded database admits one process: adding a user while up runs is refused, naming it.
    const busy = runCli(["user", "add", "ada@lab.example", "--role", "admin", "--data", data], {}, "a long enough password\n");
    expect(busy.stderr).toContain(`another gradtrace up (pid ${first.child.pid}) is using ${data}`);
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);
    expect(runCli(["user", "add", "ada@lab.example", "--role", "admin", "--data", data], {}, "a long enough password\n").status).toBe(0);

    const second = start();
    await second.waitFor(/gradtrace is up/, 120_000);
    expect(second.output()).not.toMatch(/none exists yet/);
    const origin = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${origin}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email: "ada@lab.example", password: "a long enough password" }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect((await fetch(`${origin}/api/sweeps`, { headers: { cookie } })).status).toBe(200);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("says how to install redis-server when there is none and no REDIS_URL", async () => {
    const { cwd } = place();
    const p = startCli(["up", "--port", "1"], { PATH: cwd }, cwd);
    started.push(p);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(
      /redis-server was not found on PATH\. Install it \(Debian\/Ubuntu: apt-get install redis-server; macOS: brew install redis\), or set REDIS_URL/,
    );
    expect(p.output()).not.toMatch(/\n\s+at /);
  });
});
