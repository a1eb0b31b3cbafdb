/** Base class of the data layer's typed errors: callers branch on the class, users read the message. */
export class DbError extends Error {
  override name = "DbError";
}

/** A sweep or run id that no row has. */
export class NotFoundError extends DbError {
  override name = "NotFoundError";
  constructor(
    readonly entity: "sweep" | "run",
    readonly id: string,
  ) {
    super(`no ${entity} with id ${id}`);
  }
}

/** A status change the state machine does not allow (a cancelled run never runs again). */
export class IllegalTransitionError extends DbError {
  override name = "IllegalTransitionError";
  constructor(
    readonly id: string,
    readonly from: string,
    readonly to: string,
    readonly allowed: readonly string[],
  ) {
    super(`run ${id} cannot go from ${from} to ${to}; from ${from} it may go to: ${allowed.join(", ") || "nothing (final)"}`);
  }
}

/**
 * A write from an attempt that is not the run's current one: an older attempt (a worker that lost
 * its lease; the write is dropped) or a newer one whose start has not been recorded yet (`early`:
 * the same write succeeds once it has).
 */
export class StaleAttemptError extends DbError {
  override name = "StaleAttemptError";
  readonly early: boolean;
  constructor(
    readonly id: string,
    readonly attempt: number,
    readonly current: number,
  ) {
    super(
      attempt > current
        ? `run ${id}: attempt ${attempt} has not started yet (the current attempt is ${current}); its write was not applied`
        : `run ${id}: attempt ${attempt} is stale, the current attempt is ${current}; its write was dropped`,
    );
    this.early = attempt > current;
  }
}

/**
 * Trace writes that do not fit the run: not a traced epoch, beyond its epochs, the wrong number of
 * layers — or `early`: an epoch or a run's end that arrived before an epoch it follows, which
 * succeeds once that epoch is stored.
 */
export class TraceOrderError extends DbError {
  override name = "TraceOrderError";
  constructor(
    message: string,
    readonly early = false,
  ) {
    super(message);
  }
}
