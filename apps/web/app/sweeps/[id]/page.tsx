import { getSweep, NotFoundError, sweepGrid, sweepRunTable } from "@gradtrace/db";
import { toWire } from "@gradtrace/queue";
import { notFound } from "next/navigation";
import { z } from "zod";
import { control } from "../../../lib/server.ts";
import { SweepView, type SweepData } from "../../components/sweep-view.tsx";

export const dynamic = "force-dynamic";

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const { prisma } = control();
  try {
    const [sweep, cells, runs] = await Promise.all([getSweep(prisma, id), sweepGrid(prisma, id), sweepRunTable(prisma, id)]);
    return <SweepView initial={toWire({ sweep: { id, name: sweep.name, status: sweep.status, runs: sweep.runs, spec: sweep.spec }, cells, runs }) as SweepData} />;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
