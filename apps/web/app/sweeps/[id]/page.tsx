import { toWire } from "@gradtrace/core";
import { NotFoundError } from "@gradtrace/db";
import { notFound } from "next/navigation";
import { z } from "zod";
import { sweepPageData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";
import { SweepView } from "../../components/sweep-view.tsx";

export const dynamic = "force-dynamic";

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  try {
    return <SweepView initial={toWire(await sweepPageData(control().prisma, id))} />;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
