/**
 * Runs once when the dashboard's server starts. In the Node.js runtime it checks the access
 * settings (a dashboard beyond loopback without accounts, or with accounts but no secret, does not
 * start), and with GRADTRACE_RECORDER=1 runs the recorder in this process (one deployable for the
 * dashboard and the one writer of results).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  (await import("./lib/access.ts")).access();
  await (await import("./lib/in-process-recorder.ts")).startInProcessRecorder();
}
