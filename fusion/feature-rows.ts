/**
 * The one shape of a map feature that every reader starts from, and what other folders read of the tables fusion owns
 * (map_features, feature_observations): review's feature page and the CLI's counts ask through these functions
 * (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { mapFeatures } from '../db/schema.ts';

type FeatureRow = typeof mapFeatures.$inferSelect;

/** A map feature's identity, label, state and position: the part every view of a feature shares. */
export type MapFeature = Pick<FeatureRow, 'id' | 'class' | 'value' | 'status' | 'confidence'> & {
  lat: number;
  lon: number;
};

/** A feature with its evidence counts, votes and first and last sighting (the public feature page). */
export type FeatureSummary = MapFeature &
  Pick<FeatureRow, 'firstSeenAt' | 'lastSeenAt' | 'observationCount' | 'driveCount' | 'votesUp' | 'votesDown'>;

/** One feature by id; undefined if none. */
export async function featureById(sql: Sql, id: number): Promise<FeatureSummary | undefined> {
  const [f] = await sql<FeatureSummary[]>`
    select id::float8 as id, class, value, confidence::float8 as confidence, status, first_seen_at as "firstSeenAt",
      last_seen_at as "lastSeenAt", ST_X(geom) as lon, ST_Y(geom) as lat, observation_count as "observationCount",
      drive_count as "driveCount", votes_up as "votesUp", votes_down as "votesDown"
    from map_features where id = ${id}`;
  return f;
}

/** How many map features there are (0 before fusion's tables exist). */
export async function countFeatures(sql: Sql): Promise<number> {
  const [has] = await sql<{ t: string | null }[]>`select to_regclass('public.map_features')::text as t`;
  if (!has?.t) return 0;
  const [n] = await sql<{ n: number }[]>`select count(*)::int as n from map_features`;
  return n?.n ?? 0;
}

/** How many distinct features an upload's detections support. */
export async function countUploadFeatures(sql: Sql, uploadId: string): Promise<number> {
  const [n] = await sql<{ n: number }[]>`
    select count(distinct feature_id)::int as n from feature_observations where upload_id = ${uploadId}`;
  return n?.n ?? 0;
}
