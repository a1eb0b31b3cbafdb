import { DatasetSpecSchema, SpecError, type PointsSpec, type RunSpec } from "@gradtrace/core";
import type { Redis } from "ioredis";
import { keys } from "./keys.ts";

/**
 * Inline datasets travel once: a stored run's job carries `{ name: "stored", sha256, … }` and
 * the points wait in Redis under their hash, put there when runs are enqueued (putDatasets) and
 * read by each worker once (datasetResolver), instead of riding in every job.
 */

/** The content hashes of the stored datasets these runs train on. */
export function storedHashes(specs: readonly RunSpec[]): string[] {
  return [...new Set(specs.flatMap((s) => (s.dataset.name === "stored" ? [s.dataset.sha256] : [])))];
}

/** Which of these hashes have no points in Redis. */
export async function missingDatasets(redis: Redis, prefix: string, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const present = await Promise.all(hashes.map((h) => redis.exists(keys.dataset(prefix, h))));
  return hashes.filter((_, i) => present[i] === 0);
}

/** Puts datasets' points in Redis under their hashes (kept while any sweep stores runs on them; see dropDatasets). */
export async function putDatasets(redis: Redis, prefix: string, points: ReadonlyMap<string, PointsSpec>): Promise<void> {
  if (points.size === 0) return;
  const pipeline = redis.pipeline();
  for (const [hash, spec] of points) pipeline.set(keys.dataset(prefix, hash), JSON.stringify(spec), "NX");
  await pipeline.exec();
}

/** Removes datasets no stored run uses any more. */
export async function dropDatasets(redis: Redis, prefix: string, hashes: readonly string[]): Promise<void> {
  if (hashes.length > 0) await redis.del(...hashes.map((h) => keys.dataset(prefix, h)));
}

/**
 * A worker's way from a run's spec to one it can train: a stored dataset is read from Redis (once
 * per process for the last few datasets, so a sweep's runs on one dataset read it once) and put
 * back in place of its reference. A dataset Redis does not hold is a SpecError saying how to put
 * it back.
 */
export function datasetResolver(redis: Redis, prefix: string, keep = 8): (spec: RunSpec) => Promise<RunSpec> {
  const cache = new Map<string, PointsSpec>();
  return async (spec) => {
    if (spec.dataset.name !== "stored") return spec;
    const { sha256 } = spec.dataset;
    let points = cache.get(sha256);
    if (!points) {
      const text = await redis.get(keys.dataset(prefix, sha256));
      if (text === null) {
        throw new SpecError(
          [
            {
              path: "spec.dataset",
              message: `dataset sha256:${sha256} is not in Redis; resuming the run's sweep (gradtrace sweep resume ID) puts it back`,
              received: "nothing",
            },
          ],
          "run job",
        );
      }
      const parsed = DatasetSpecSchema.parse(JSON.parse(text));
      if (parsed.name !== "points") {
        throw new SpecError([{ path: "spec.dataset", message: `dataset sha256:${sha256} in Redis is not points`, received: parsed.name }], "run job");
      }
      points = parsed;
      cache.set(sha256, points);
      if (cache.size > keep) cache.delete(cache.keys().next().value!);
    }
    return { ...spec, dataset: points };
  };
}
