import { loadSweep } from "@gradtrace/control";
import { NotFoundError } from "@gradtrace/db";
import { z } from "zod";
import { NewSweepForm } from "../../components/new-sweep-form.tsx";
import { control } from "../../../lib/server.ts";

export const dynamic = "force-dynamic";

/** The new-sweep form; with ?from=ID, filled in from that sweep's spec (a clone, named as a copy). */
export default async function NewSweepPage({ searchParams }: { searchParams: Promise<{ from?: string | string[] }> }) {
  const { from } = await searchParams;
  if (typeof from !== "string") return <NewSweepForm />;
  if (!z.uuid().safeParse(from).success) return <NewSweepForm notice={`"${from}" is not a sweep id: starting from a preset`} />;
  try {
    const { name, spec } = await loadSweep(control().prisma, from);
    // The form keeps what it shows; the original's idempotency key is not among it.
    return <NewSweepForm initial={{ ...spec, name: `${name} (copy)` }} notice={`A copy of "${name}": change what you like and launch it.`} />;
  } catch (error) {
    if (error instanceof NotFoundError) return <NewSweepForm notice={`no sweep ${from} (deleted?): starting from a preset`} />;
    throw error;
  }
}
