/** How often a watched topic is read (ms); GRADTRACE_FEED_MS overrides it for tests and benches. */
export const FEED_INTERVAL_MS = Number(process.env.GRADTRACE_FEED_MS ?? 1000) || 1000;
