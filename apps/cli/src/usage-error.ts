/** A mistake in the command line or its inputs: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A service the command needs is unavailable (Redis, Postgres): printed without a stack trace, exit code 1. */
export class ServiceError extends Error {
  override name = "ServiceError";
}

/** Turns an environment validation error into a usage error (no stack trace). */
export function envOrUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
