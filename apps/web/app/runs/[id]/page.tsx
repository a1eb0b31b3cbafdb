import { getRun, NotFoundError } from "@gradtrace/db";
import { toWire } from "@gradtrace/queue";
import { notFound } from "next/navigation";
import { z } from "zod";
import { control } from "../../../lib/server.ts";
import { thinTrace } from "../../../lib/thin-trace.ts";
import { RunView, type RunData } from "../../components/run-view.tsx";

export const dynamic = "force-dynamic";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  try {
    const { run, layers, epochs } = await getRun(control().prisma, id);
    const { layers: _stored, ...row } = run;
    void _stored;
    return <RunView initial={toWire({ run: row, layers, ...thinTrace(epochs, 200) }) as RunData} />;
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
