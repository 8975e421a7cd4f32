/** The map at any date (from map_feature_versions) and reviewer votes, which can confirm or reject a feature. */
import type { Sql } from '../db/index.ts';
import type { FeatureStatus } from '../db/schema.ts';
import { confidenceOf, statusOf } from './combine.ts';
import { markDirty, recordVersions } from './write-features.ts';

/** A feature as it was at some moment. */
export interface MapFeatureAt {
  id: number;
  version: number;
  class: string;
  value: string | null;
  status: FeatureStatus;
  confidence: number;
  lat: number;
  lon: number;
}

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

/** Records a reviewer's vote on a feature and re-derives its confidence and status; undefined if no such feature. */
export async function reviewFeature(
  sql: Sql,
  id: number,
  vote: 'confirm' | 'reject',
): Promise<{ status: FeatureStatus; confidence: number } | undefined> {
  return sql.begin(async (tx) => {
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
    >`update map_features set votes_up = votes_up + ${vote === 'confirm' ? 1 : 0},
        votes_down = votes_down + ${vote === 'reject' ? 1 : 0}
      where id = ${id}
      returning observation_count as "observationCount", drive_count as "driveCount", mean_score::float8 as "meanScore",
        votes_up as "votesUp", votes_down as "votesDown", removal_probability::float8 as removal, ST_X(geom) as lon, ST_Y(geom) as lat`;
    if (!f) return undefined;
    const confidence = confidenceOf(f);
    const status = statusOf({ ...f, confidence });
    await tx`update map_features set confidence = ${confidence}, status = ${status}, version = version + 1, updated_at = now()
             where id = ${id}`;
    await recordVersions(tx as unknown as Sql, [id], [`review:${vote}`], null);
    const d = 20 / 111_000;
    await markDirty(tx as unknown as Sql, [f.lon - d * 1.5, f.lat - d, f.lon + d * 1.5, f.lat + d], `review:${id}`);
    return { status, confidence };
  }) as Promise<{ status: FeatureStatus; confidence: number } | undefined>;
}
