import { bestRuns, listSweeps } from "@gradtrace/db";
import { listWorkers, runJobCounts, toWire } from "@gradtrace/queue";
import { control } from "../lib/server.ts";
import { Overview, type OverviewData } from "./components/overview.tsx";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const c = control();
  const sweeps = await listSweeps(c.prisma, { take: 50 });
  const [best, workers, queue] = await Promise.all([bestRuns(c.prisma, sweeps.map((s) => s.id)), listWorkers(c.redis, c.prefix), runJobCounts(c.queues)]);
  const initial = toWire({ sweeps: sweeps.map((s) => ({ ...s, best: best.get(s.id) ?? null })), workers, queue }) as OverviewData;
  return <Overview initial={initial} />;
}
