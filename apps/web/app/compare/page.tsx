import { viewOf } from "../../lib/pages.ts";
import { CompareView } from "../components/compare-view.tsx";

/** Runs side by side: ?runs=ID,ID…; the view (grouping, curve, profile metric, epoch) is kept in the URL too. */
export default async function ComparePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const view = viewOf(await searchParams);
  return <CompareView ids={(view.runs ?? "").split(",").filter(Boolean)} view={view} />;
}
