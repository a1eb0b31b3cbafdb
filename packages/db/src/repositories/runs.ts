import type { EpochRecord, LayerInfo, TraceSummary } from "@gradtrace/core";
import type { PrismaClient } from "../client.ts";
import { IllegalTransitionError, NotFoundError, StaleAttemptError } from "../errors.ts";
import type { Prisma, RunStatus } from "../generated/client.ts";

/**
 * The run state machine. A worker's start takes a queued run, or a running one whose worker died
 * (a stalled job handed to another worker); running may go back to queued when a worker hands a
 * run back on shutdown; only failed runs are retried; completed and cancelled are final.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ["running", "cancelled"],
  running: ["running", "completed", "failed", "cancelled", "queued"],
  failed: ["queued"],
  completed: [],
  cancelled: [],
};

const sources = (to: RunStatus): RunStatus[] =>
  (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) => RUN_TRANSITIONS[from].includes(to));

type Tx = Prisma.TransactionClient | PrismaClient;

/** Explains why a conditional update touched no row: no such run, a stale attempt, or an illegal move. */
async function refusal(tx: Tx, id: string, to: RunStatus, attempt?: number): Promise<Error> {
  const run = await tx.run.findUnique({ where: { id }, select: { status: true, attempt: true } });
  if (!run) return new NotFoundError("run", id);
  if (attempt !== undefined && run.attempt !== attempt) return new StaleAttemptError(id, attempt, run.attempt);
  return new IllegalTransitionError(id, run.status, to, RUN_TRANSITIONS[run.status]);
}

/**
 * Moves a run to `to` when the state machine allows it from its current status (and, with
 * `attempt`, only for that attempt), atomically; throws NotFoundError, StaleAttemptError or
 * IllegalTransitionError otherwise.
 */
export async function transitionRun(
  prisma: Tx,
  id: string,
  to: RunStatus,
  data: Prisma.RunUpdateManyMutationInput = {},
  attempt?: number,
): Promise<void> {
  const where = { id, status: { in: sources(to) }, ...(attempt === undefined ? {} : { attempt }) };
  const { count } = await prisma.run.updateMany({ where, data: { ...data, status: to } });
  if (count === 0) throw await refusal(prisma, id, to, attempt);
}

/**
 * A worker starts a run: a new attempt begins (running, attempt + 1) and the trace rows of
 * earlier attempts are dropped in the same transaction, so a retry never interleaves with the
 * attempt it replaces. Returns the new attempt number.
 */
export async function startRun(
  prisma: PrismaClient,
  id: string,
  worker: { workerId: string; device: string; layers: readonly LayerInfo[] },
): Promise<number> {
  return prisma.$transaction(async (tx) => {
    await transitionRun(tx, id, "running", {
      attempt: { increment: 1 },
      workerId: worker.workerId,
      device: worker.device,
      layers: worker.layers as unknown as Prisma.InputJsonValue,
      startedAt: new Date(),
      finishedAt: null,
      epochsDone: 0,
      error: null,
    });
    await tx.traceEpoch.deleteMany({ where: { runId: id } });
    const run = await tx.run.findUniqueOrThrow({ where: { id }, select: { attempt: true } });
    return run.attempt;
  });
}

/** Mean of the non-null values, or null when there are none. */
function mean(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

/**
 * Records a run's end (a diverged run completes too, diagnosed `diverged`): final metrics,
 * diagnoses, and from its last traced epoch the first/output gradient ratio and the hidden
 * layers' mean dead and saturated fractions, which the sweep grid aggregates.
 */
export async function finishRun(prisma: Tx, id: string, attempt: number, summary: TraceSummary, last: EpochRecord): Promise<void> {
  const hidden = last.layers.slice(0, -1);
  const output = last.layers[last.layers.length - 1]!;
  await transitionRun(
    prisma,
    id,
    "completed",
    {
      finishedAt: new Date(),
      epochsDone: summary.epochsRun,
      trainLoss: summary.final.trainLoss,
      trainAccuracy: summary.final.trainAccuracy,
      valLoss: summary.final.valLoss,
      valAccuracy: summary.final.valAccuracy,
      gradientRatio: output.gradNorm > 0 ? hidden[0]!.gradNorm / output.gradNorm : null,
      deadFraction: mean(hidden.map((l) => l.deadFraction)),
      saturatedFraction: mean(hidden.map((l) => l.saturatedFraction)),
      diagnosisKinds: summary.diagnoses.map((d) => d.kind),
      diagnoses: summary.diagnoses as unknown as Prisma.InputJsonValue,
    },
    attempt,
  );
}

/** Records that an attempt failed with `error` (it may be retried: failed → queued). */
export async function failRun(prisma: Tx, id: string, attempt: number, error: string): Promise<void> {
  await transitionRun(prisma, id, "failed", { error, finishedAt: new Date() }, attempt);
}
