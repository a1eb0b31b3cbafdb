import { toWire } from "@gradtrace/core";
import { NotFoundError } from "@gradtrace/db";
import { notFound } from "next/navigation";
import { preload } from "react-dom";
import { z } from "zod";
import { sweepPageData, viewOf } from "../../../lib/pages.ts";
import { startFigureReads } from "../../../lib/figure-answers.ts";
import { sharedRead } from "../../../lib/shared-read.ts";
import { control } from "../../../lib/server.ts";
import { SweepView } from "../../components/sweep-view.tsx";

export const dynamic = "force-dynamic";

/** A sweep; its URL's parameters hold the view (heatmap metric and slice, the run table's filter, order and page, selected runs). */
export default async function SweepPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  try {
    const view = viewOf(await searchParams);
    // The figures' reads start now, and the browser is told to fetch them as soon as it has the head.
    for (const url of startFigureReads(control().prisma, id, view)) preload(url, { as: "fetch", crossOrigin: "anonymous" });
    return (
      <SweepView initial={await sharedRead(`page:sweep:${id}:${JSON.stringify(view)}`, async () => toWire(await sweepPageData(control().prisma, id, view)))} />
    );
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
}
