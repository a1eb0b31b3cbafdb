import { CompareView } from "../components/compare-view.tsx";

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ runs?: string }> }) {
  const { runs } = await searchParams;
  return <CompareView ids={(runs ?? "").split(",").filter(Boolean)} />;
}
