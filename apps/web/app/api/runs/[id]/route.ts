import { annotateRun, getRunRow } from "@gradtrace/db";
import { RunAnnotationSchema } from "@gradtrace/queue";
import { annotatedRoutes } from "../../../../lib/annotated.ts";

const routes = annotatedRoutes("run", getRunRow, RunAnnotationSchema, annotateRun);

/** GET /api/runs/:id — the run: RunSpec, axes, status, attempt, worker, final metrics, diagnoses with evidence, layers, notes and tags. */
export const GET = routes.GET;

/** PATCH /api/runs/:id — { notes?, tags? }: changes the run's notes or tags; answers the run as GET does. */
export const PATCH = routes.PATCH;
