import { Writable } from "node:stream";
import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { z } from "zod";

export type { Logger } from "pino";
export { redactUrl, withSecretFiles } from "./secrets.ts";

/** LOG_LEVEL and LOG_FORMAT: how much to log, and whether as JSON lines or readable lines (auto: readable on a terminal). */
export const LogEnvSchema = z.object({
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent" })
    .default("info"),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"], { error: "LOG_FORMAT must be auto, json or pretty" }).default("auto"),
});
export type LogEnv = z.infer<typeof LogEnvSchema>;

/** Where and how a logger writes; by default stderr (stdout stays for machine-readable output) and the LOG_* environment. */
export interface LoggerOptions {
  /** The process's part: `worker`, `recorder`, `web`, `up`. */
  component: string;
  env?: Partial<Record<keyof LogEnv, string>>;
  /** Lines go here instead of stderr (tests read them). */
  stream?: DestinationStream;
}

/**
 * What went wrong, never empty: the message, else the error's code or name, then its causes and,
 * for an AggregateError (node-postgres's failed connect to every address), its errors.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error) || "unknown error";
  const code = (error as { code?: unknown }).code;
  let text = error.message || (typeof code === "string" ? code : "") || error.name;
  if (typeof code === "string" && error.message && !error.message.includes(code)) text += ` (${code})`;
  const inner = error instanceof AggregateError ? error.errors : [];
  if (inner.length > 0) text += `: ${[...new Set(inner.map(describeError))].join("; ")}`;
  if (error.cause !== undefined) text += `, caused by ${describeError(error.cause)}`;
  return text;
}

/** A structured logger: JSON lines with level, time and `component`; readable lines on a terminal. Child loggers add bindings (worker, sweep, run). */
export function createLogger(options: LoggerOptions): Logger {
  const parsed = LogEnvSchema.safeParse(options.env ?? process.env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  const env = parsed.data;
  const readable = env.LOG_FORMAT === "pretty" || (env.LOG_FORMAT === "auto" && !options.stream && process.stderr.isTTY === true);
  const stream =
    options.stream ??
    (readable ? pretty({ destination: 2, sync: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l" }) : pino.destination({ dest: 2, sync: true }));
  return pino({ level: env.LOG_LEVEL, base: { component: options.component }, serializers: { err: stdSerializers.err } }, stream);
}

/** A logger whose lines are kept as parsed JSON objects, for tests that check what was logged. */
export function createMemoryLogger(component: string, env: LoggerOptions["env"] = {}): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ component, env, stream }), lines };
}
