export { ThreadPool } from "./thread-pool.ts";
