/** The map at any date (from map_feature_versions) and settled reviews, which confirm, reject or relabel a feature. */

import type { FeatureStatus } from '../core/index.ts';
import { growBox } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { mapFeatureVersions } from '../db/schema.ts';
import { confidenceOf, statusOf } from './combine.ts';
import type { MapFeature } from './feature-rows.ts';
import { markDirty, recordVersions } from './write-features.ts';

/** A feature as it was at some moment: the shared feature shape with its version number. */
export type MapFeatureAt = MapFeature & Pick<typeof mapFeatureVersions.$inferSelect, 'version'>;

/** The features as the map showed them at `at` (fusion time), optionally within a [w, s, e, n] box, by id. */
export async function mapAt(
  sql: Sql,
  at: Date,
  bbox?: readonly [number, number, number, number],
): Promise<MapFeatureAt[]> {
  const box = bbox ?? [-180, -90, 180, 90];
  return sql<MapFeatureAt[]>`
    select feature_id::float8 as id, version, class, value, status, confidence::float8 as confidence,
      ST_Y(geom) as lat, ST_X(geom) as lon
    from map_feature_versions
    where valid_from <= ${at} and (valid_to is null or valid_to > ${at})
      and geom && ST_MakeEnvelope(${box[0]}, ${box[1]}, ${box[2]}, ${box[3]}, 4326)
    order by feature_id`;
}

/** A settled review of a feature: confirm or reject it, or relabel it with a new class and value. */
export interface FeatureReview {
  decision: 'confirm' | 'reject' | 'relabel';
  /** The new class (relabel only). */
  class?: string;
  /** The new value (relabel only; null clears it). */
  value?: string | null;
  /** How many reviewer votes back the decision (default 1): they weigh in confidence like about two drives each. */
  votes?: number;
}

/** What a review left a feature as. */
export interface ReviewedFeature {
  status: FeatureStatus;
  confidence: number;
  class: string;
  value: string | null;
  version: number;
}

/**
 * Applies a review to a feature inside the caller's transaction: confirm and relabel add `votes` to votes_up (a
 * relabel says the object is there, as another class), reject adds them to votes_down; confidence and status are
 * re-derived, a relabel also changes class and value; a new map_feature_versions row and a tile dirty area follow.
 * Undefined if no such feature.
 */
export async function applyFeatureReview(
  tx: Sql,
  id: number,
  review: FeatureReview,
): Promise<ReviewedFeature | undefined> {
  const n = review.votes ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`review votes must be a positive integer, got ${n}`);
  if (review.decision === 'relabel' && !review.class) throw new RangeError('a relabel needs the new class');
  const up = review.decision === 'reject' ? 0 : n;
  const down = review.decision === 'reject' ? n : 0;
  const [f] = await tx<
    Array<{
      observationCount: number;
      driveCount: number;
      meanScore: number;
      votesUp: number;
      votesDown: number;
      removal: number;
      lon: number;
      lat: number;
    }>
  >`update map_features set votes_up = votes_up + ${up}, votes_down = votes_down + ${down}
      where id = ${id}
      returning observation_count as "observationCount", drive_count as "driveCount", mean_score::float8 as "meanScore",
        votes_up as "votesUp", votes_down as "votesDown", removal_probability::float8 as removal, ST_X(geom) as lon, ST_Y(geom) as lat`;
  if (!f) return undefined;
  const confidence = confidenceOf(f);
  const status = statusOf({ ...f, confidence });
  const relabel = review.decision === 'relabel';
  const [r] = await tx<Array<{ class: string; value: string | null; version: number }>>`
    update map_features set confidence = ${confidence}, status = ${status}, version = version + 1, updated_at = now(),
      class = case when ${relabel} then ${review.class ?? null}::text else class end,
      value = case when ${relabel} then ${review.value ?? null}::text else value end
    where id = ${id} returning class, value, version`;
  await recordVersions(tx, [id], [`review:${review.decision}`], null);
  await markDirty(tx, growBox([f.lon, f.lat, f.lon, f.lat], 20), `review:${id}`);
  return { status, confidence, class: r!.class, value: r!.value, version: r!.version };
}

/** Records one reviewer's confirm or reject of a feature in its own transaction; undefined if no such feature. */
export async function reviewFeature(
  sql: Sql,
  id: number,
  vote: 'confirm' | 'reject',
): Promise<{ status: FeatureStatus; confidence: number } | undefined> {
  const r = (await sql.begin((tx) => applyFeatureReview(tx as unknown as Sql, id, { decision: vote }))) as
    | ReviewedFeature
    | undefined;
  return r && { status: r.status, confidence: r.confidence };
}
