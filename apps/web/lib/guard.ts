import { humanMessage } from "@gradtrace/core/vocabulary";
import { z } from "zod";

/** Host names always served: the loopback interface, however a browser on this machine names it. */
const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

/** How the dashboard guards requests, from the environment: the hosts it answers to and the largest body it reads. */
export const GuardEnvSchema = z.object({
  /** Comma-separated host names (optionally :port) besides loopback that requests may name, e.g. `gradtrace.lab.example`; `*` allows any (behind a proxy that checks Host). */
  GRADTRACE_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** Largest request body read, in bytes (default 1 MiB); a larger one is answered 413. */
  GRADTRACE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
});
export type GuardEnv = z.infer<typeof GuardEnvSchema>;

/** Reads the guard's settings; a bad value is named with what is allowed (thrown once, at the first request). */
export function guardEnv(env: Record<string, string | undefined> = process.env): GuardEnv {
  // Its messages in words even where nothing has loaded the core's schemas yet (the proxy).
  const parsed = GuardEnvSchema.safeParse(env, { error: humanMessage });
  if (!parsed.success) throw new Error(`invalid dashboard settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

let settings: GuardEnv | undefined;

/** This process's guard settings, read from its environment once. */
export function guardSettings(): GuardEnv {
  return (settings ??= guardEnv());
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A refusal: status and the message the JSON body carries. */
export interface Refusal {
  status: number;
  error: string;
}

/**
 * Whether to refuse a request before any route sees it: a Host not served (421, against DNS
 * rebinding), a state-changing request from another site (403, against CSRF: browsers send Origin
 * and Sec-Fetch-Site on those), a state-changing body that is not JSON (415) or larger than the
 * limit (413). Requests from programs (no Origin, no Sec-Fetch-Site) pass the origin check.
 * `listening`: the address the server listens on, served too.
 */
export function refusal(request: Pick<Request, "method" | "headers">, env: GuardEnv, listening?: string): Refusal | undefined {
  const hostHeader = (request.headers.get("host") ?? "").toLowerCase();
  const name = hostHeader.replace(/:\d+$/, "");
  // A dashboard listening on one address also answers to it; a wildcard (0.0.0.0, ::) names no host.
  const own = listening && !["0.0.0.0", "::", "[::]"].includes(listening) ? [listening.includes(":") ? `[${listening}]` : listening] : [];
  const allowed = [...env.GRADTRACE_ALLOWED_HOSTS, ...own];
  const served = LOOPBACK.includes(name) || name.endsWith(".localhost") || allowed.includes("*") || allowed.includes(name) || allowed.includes(hostHeader);
  if (!served) {
    return {
      status: 421,
      error: `this dashboard does not serve the host '${hostHeader || "(none)"}'; it serves loopback${allowed.length > 0 ? ` and ${allowed.join(", ")}` : ""} (set GRADTRACE_ALLOWED_HOSTS to add names)`,
    };
  }
  if (!UNSAFE.has(request.method.toUpperCase())) return undefined;
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  if ((site !== null && site !== "same-origin" && site !== "none") || (origin !== null && originHost(origin) !== hostHeader)) {
    return {
      status: 403,
      error: `a ${request.method} from another site (origin ${origin ?? "unknown"}) is refused: only pages of this dashboard may change sweeps`,
    };
  }
  const length = request.headers.get("content-length");
  const hasBody = (length !== null && length !== "0") || request.headers.has("transfer-encoding");
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (hasBody && type !== "application/json") {
    return { status: 415, error: `expected a JSON body (Content-Type: application/json), got ${type ? `'${type}'` : "no Content-Type"}` };
  }
  if (length !== null && Number(length) > env.GRADTRACE_MAX_BODY_BYTES) {
    return { status: 413, error: `the body is ${length} bytes; at most ${env.GRADTRACE_MAX_BODY_BYTES} are read (GRADTRACE_MAX_BODY_BYTES)` };
  }
  return undefined;
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
