import { toWire } from "@gradtrace/core";
import { NotFoundError } from "@gradtrace/db";
import { notFound } from "next/navigation";
import { z } from "zod";
import { runPageData, viewOf } from "../../../lib/pages.ts";
import { sharedRead } from "../../../lib/shared-read.ts";
import { control } from "../../../lib/server.ts";
import { RunView } from "../../components/run-view.tsx";

export const dynamic = "force-dynamic";

/** A run; ?epoch= and ?metric= say which epoch and per-layer metric its depth profile shows. */
export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  try {
    return (
      <RunView initial={await sharedRead(`page:run:${id}`, async () => toWire(await runPageData(control().prisma, id)))} view={viewOf(await searchParams)} />
    );
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
