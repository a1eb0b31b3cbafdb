import "server-only";
import { columnsText, importanceOf, slicesOf, type GridMetric, type PrismaClient } from "@gradtrace/db";
import { columnsUrl, importanceMetric, importanceUrl, sliceChoice, slicesUrl, type SliceBy } from "../app/components/figure-reads.ts";
import type { View } from "../app/components/view.ts";
import { SHARE_MS, sharedAnswer, sharedOutcomes, sharedWireAnswer, sweepStamp } from "./shared-read.ts";

// The sweep page's figure reads as their routes answer them: JSON text shared under the URL the
// figures ask for (figure-reads.ts builds it), kept under a completed sweep's stamp. Each route
// answers its request with one of these; the page starts them as it renders, so the answers are
// on their way before the browser, which preloads the same URLs, asks for them.

/** Every run as columns (the parallel coordinates' data). */
export async function columnsAnswer(prisma: PrismaClient, sweepId: string): Promise<string> {
  return sharedAnswer(columnsUrl(sweepId), async () => columnsText(await sharedOutcomes(prisma, sweepId)), await sweepStamp(prisma, sweepId));
}

/** A final metric's importance over the swept settings: `{ importance }`. */
export async function importanceAnswer(prisma: PrismaClient, sweepId: string, metric: GridMetric): Promise<string> {
  const read = async () => ({ importance: importanceOf(await sharedOutcomes(prisma, sweepId), metric) });
  return sharedWireAnswer(importanceUrl(sweepId, metric), read, await sweepStamp(prisma, sweepId));
}

/** A final metric against each swept setting, split by `by`: `{ slices }`. */
export async function slicesAnswer(prisma: PrismaClient, sweepId: string, metric: GridMetric, by: SliceBy): Promise<string> {
  const read = async () => ({ slices: slicesOf(await sharedOutcomes(prisma, sweepId), metric, by === "none" ? undefined : by) });
  return sharedWireAnswer(slicesUrl(sweepId, metric, by), read, await sweepStamp(prisma, sweepId));
}

/**
 * Starts the reads a sweep page's figures will make for `view` without waiting for them, and
 * gives their URLs (for the page to preload). A read that fails is not kept: the figure's own
 * request reads again and reports it. A server that keeps nothing (GRADTRACE_SHARE_MS=0) starts
 * none: what it read now would be gone when the browser asks.
 */
export function startFigureReads(prisma: PrismaClient, sweepId: string, view: View): string[] {
  const metric = importanceMetric(view);
  const slices = sliceChoice(view);
  const reads: Array<[string, () => Promise<string>]> = [
    [columnsUrl(sweepId), () => columnsAnswer(prisma, sweepId)],
    [importanceUrl(sweepId, metric), () => importanceAnswer(prisma, sweepId, metric)],
    [slicesUrl(sweepId, slices.metric, slices.by), () => slicesAnswer(prisma, sweepId, slices.metric, slices.by)],
  ];
  if (SHARE_MS > 0) for (const [, answer] of reads) answer().catch(() => undefined);
  return reads.map(([url]) => url);
}
