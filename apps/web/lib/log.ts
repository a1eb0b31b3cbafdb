import "server-only";
import { createLogger } from "@gradtrace/log";

/** The dashboard server's logger (LOG_LEVEL, LOG_FORMAT; a bad value stops the server at start, named). */
export const log = createLogger({ component: "web" });
