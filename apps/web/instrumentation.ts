/**
 * Runs once when the dashboard's server starts. In the Node.js runtime, with GRADTRACE_RECORDER=1,
 * the recorder runs in this process (one deployable for the dashboard and the one writer of results).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") await (await import("./lib/in-process-recorder.ts")).startInProcessRecorder();
}
