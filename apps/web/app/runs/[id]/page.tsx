import { toWire } from "@gradtrace/core";
import { NotFoundError } from "@gradtrace/db";
import { notFound } from "next/navigation";
import { z } from "zod";
import { runPageData } from "../../../lib/pages.ts";
import { control } from "../../../lib/server.ts";
import { RunView } from "../../components/run-view.tsx";

export const dynamic = "force-dynamic";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  try {
    return <RunView initial={toWire(await runPageData(control().prisma, id))} />;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
