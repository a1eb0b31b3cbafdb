import { toWire } from "@gradtrace/core";
import { overviewData } from "../lib/pages.ts";
import { control } from "../lib/server.ts";
import { Overview } from "./components/overview.tsx";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  return <Overview initial={toWire(await overviewData(control()))} />;
}
