import { checkRedisCredentials, RedisAuthError } from "@gradtrace/queue";

/** A mistake in the command line or its inputs: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A service the command needs is unavailable (Redis, Postgres): printed without a stack trace, exit code 1. */
export class ServiceError extends Error {
  override name = "ServiceError";
}

/** Fails with a UsageError (exit 2, one line) when Redis refuses the URL's credentials: a process retrying them forever helps no one. */
export async function refuseBadCredentials(url: string): Promise<void> {
  try {
    await checkRedisCredentials(url);
  } catch (error) {
    if (error instanceof RedisAuthError) throw new UsageError(`${error.message}; check the password in REDIS_URL (or REDIS_URL_FILE)`);
    throw error;
  }
}

/** Turns an environment validation error into a usage error (no stack trace). */
export function envOrUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
