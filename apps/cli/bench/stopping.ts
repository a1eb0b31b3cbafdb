// npm run bench -w @gradtrace/cli, its last part: the 72-cell grid trained to the end, and the same
// grid with ASHA and the diagnosis rule, in alternation, through 2 worker processes and a recorder.
// Environment: BENCH_REPS (default 3), BENCH_STOP_EPOCHS (default 150), TEST_DATABASE_URL, TEST_REDIS_URL.
import { submitSweep } from "@gradtrace/control";
import type { StoppingSpec } from "@gradtrace/core";
import type { SweepSpecInput } from "@gradtrace/queue";
import { sweepSettled } from "../src/cluster.ts";
import { fmt, GRID, median, reps, withCluster } from "./harness.ts";

const EPOCHS = Number(process.env.BENCH_STOP_EPOCHS ?? 150);
const STOPPING: Partial<StoppingSpec> = { rule: "asha", metric: "valLoss", minEpochs: 5, reductionFactor: 3, diagnoses: true };

await withCluster("bench-stopping", async ({ control, start }) => {
  console.log(`\nEarly stopping: the 72-run grid at ${EPOCHS} epochs, ${reps} rounds, each trained to the end and then with`);
  console.log(`${JSON.stringify(STOPPING)} — 2 worker processes (concurrency 1) and a recorder, submit → all recorded`);
  await start(["recorder"]);
  await start(["worker", "--concurrency", "1"]);
  await start(["worker", "--concurrency", "1"]);

  const sweep = async (label: string, stopping?: Partial<StoppingSpec>) => {
    const spec: SweepSpecInput = { ...GRID, name: label, fixed: { ...GRID.fixed, epochs: EPOCHS }, ...(stopping ? { stopping } : {}) };
    const began = Date.now();
    const { sweepId } = await submitSweep(control, spec);
    await sweepSettled(control.prisma, sweepId, 1_800_000, 500);
    // A pruned run's last epochs and end arrive after it became final: wait until its worker is done with it.
    while ((await control.queues.runs.any.getActiveCount()) > 0 || (await control.queues.results.count()) > 0) await new Promise((r) => setTimeout(r, 200));
    const runs = await control.prisma.run.findMany({
      where: { sweepId },
      select: { status: true, epochsDone: true, valAccuracy: true, finishedAt: true, stopReason: true },
    });
    const last = Math.max(...runs.map((r) => r.finishedAt!.getTime()));
    const completed = runs.filter((r) => r.status === "completed");
    const pruned = runs.filter((r) => r.status === "pruned");
    const decided = pruned.map((r) => r.epochsDone - (r.stopReason as { epoch: number }).epoch);
    await control.queues.runs.any.clean(0, 1000, "completed");
    return {
      seconds: (last - began) / 1000,
      epochs: runs.reduce((sum, r) => sum + r.epochsDone, 0),
      best: Math.max(...completed.map((r) => (Number.isFinite(r.valAccuracy) ? r.valAccuracy! : 0))),
      pruned: pruned.length,
      byDiagnosis: pruned.filter((r) => (r.stopReason as { rule: string }).rule === "diagnosis").length,
      /** Epochs a pruned run trained after the epoch that decided it: the decision's latency. */
      lag: decided.length > 0 ? median(decided) : 0,
    };
  };
  const full: Awaited<ReturnType<typeof sweep>>[] = [];
  const stopped: Awaited<ReturnType<typeof sweep>>[] = [];
  for (let r = 0; r < reps; r++) {
    full.push(await sweep(`bench full ${r}`));
    stopped.push(await sweep(`bench asha ${r}`, STOPPING));
    const [f, s] = [full[r]!, stopped[r]!];
    console.log(
      `  round ${r + 1}: full ${f.epochs} epochs in ${f.seconds.toFixed(1)} s, best ${f.best.toFixed(4)}; ` +
        `ASHA + diagnoses ${s.epochs} epochs in ${s.seconds.toFixed(1)} s, best ${s.best.toFixed(4)}, ${s.pruned} pruned (${s.byDiagnosis} by diagnosis), median lag ${s.lag} epochs`,
    );
  }
  const ratio = (k: "epochs" | "seconds") => median(full.map((f, i) => f[k] / stopped[i]![k]));
  console.log(
    `  trained to the end         epochs ${fmt(
      full.map((f) => f.epochs),
      "",
      0,
    )}; wall ${fmt(
      full.map((f) => f.seconds),
      "s",
      1,
    )}`,
  );
  console.log(
    `  ASHA + diagnoses           epochs ${fmt(
      stopped.map((f) => f.epochs),
      "",
      0,
    )}; wall ${fmt(
      stopped.map((f) => f.seconds),
      "s",
      1,
    )}`,
  );
  console.log(`  => ${ratio("epochs").toFixed(2)}× fewer epochs, ${ratio("seconds").toFixed(2)}× less wall time (medians of ${reps} paired ratios)`);
  console.log(
    `  => best final val. accuracy: full ${median(full.map((f) => f.best)).toFixed(4)}, with stopping ${median(stopped.map((f) => f.best)).toFixed(4)} (medians); ` +
      `pruned runs ${median(stopped.map((s) => s.pruned))} of 72, median decision lag ${median(stopped.map((s) => s.lag))} epochs`,
  );
});
