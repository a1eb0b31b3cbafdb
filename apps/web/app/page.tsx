import { toWire } from "@gradtrace/core";
import { overviewData } from "../lib/pages.ts";
import { sharedRead } from "../lib/shared-read.ts";
import { control } from "../lib/server.ts";
import { Overview } from "./components/overview.tsx";

export const dynamic = "force-dynamic";

/** The home page; ?q= finds sweeps by name, notes or tag. */
export default async function HomePage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const { q } = await searchParams;
  const text = typeof q === "string" && q.length <= 200 ? q : "";
  return <Overview initial={await sharedRead(`page:/?q=${text}`, async () => toWire(await overviewData(control(), text || undefined)))} query={text} />;
}
