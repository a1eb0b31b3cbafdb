import { listWorkers, runJobCounts } from "@gradtrace/queue";
import { handle, json } from "../../../lib/http.ts";
import { control } from "../../../lib/server.ts";

/** GET /api/workers — the connected workers and the queue's depth. */
export function GET(): Promise<Response> {
  return handle(async () => {
    const c = control();
    const [workers, queue] = await Promise.all([listWorkers(c.redis, c.prefix), runJobCounts(c.queues)]);
    return json({ workers, queue });
  });
}
