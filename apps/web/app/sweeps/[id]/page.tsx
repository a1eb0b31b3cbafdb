import { getSweep, NotFoundError, sweepGrid, sweepRunTable } from "@gradtrace/db";
import { toWire } from "@gradtrace/queue";
import { notFound } from "next/navigation";
import { z } from "zod";
import { RUN_TABLE_PAGE } from "../../../lib/run-table.ts";
import { control } from "../../../lib/server.ts";
import { SweepView, type SweepData } from "../../components/sweep-view.tsx";

export const dynamic = "force-dynamic";

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { prisma } = control();
  try {
    // The table's first page, in the order the client asks for by default.
    const [sweep, cells, page] = await Promise.all([getSweep(prisma, id), sweepGrid(prisma, id), sweepRunTable(prisma, id, { limit: RUN_TABLE_PAGE })]);
    const initial = { sweep: { id, name: sweep.name, status: sweep.status, runs: sweep.runs, spec: sweep.spec }, cells, runs: page.runs, total: page.total, offset: 0, limit: RUN_TABLE_PAGE };
    return <SweepView initial={toWire(initial) as SweepData} />;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
