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

/** A write from an attempt that is no longer the run's current one (a worker that lost its lease). */
export class StaleAttemptError extends DbError {
  override name = "StaleAttemptError";
  constructor(
    readonly id: string,
    readonly attempt: number,
    readonly current: number,
  ) {
    super(`run ${id}: attempt ${attempt} is stale, the current attempt is ${current}; its write was dropped`);
  }
}

/** Trace epochs that do not fit the run: out of order, not a traced epoch, or beyond its epochs. */
export class TraceOrderError extends DbError {
  override name = "TraceOrderError";
}
