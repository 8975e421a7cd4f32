/** Writes fusion's decisions: feature rows (batched), their supporting observations, passes, versions, dirty areas. */

import type { FeatureStatus } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { Observation } from './observe.ts';

/** A feature's new state, with why it changed; `id` is absent for a new feature. */
export interface FeatureRow {
  id?: number;
  class: string;
  value: string | null;
  confidence: number;
  status: FeatureStatus;
  firstSeen: number;
  lastSeen: number;
  lat: number;
  lon: number;
  sigmaM: number;
  facingDeg: number | null;
  observationCount: number;
  driveCount: number;
  meanScore: number;
  removal: number;
  misses: number;
  reason: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Inserts new features and updates changed ones, then records a version of each; returns the new ids in order. */
export async function writeFeatures(tx: Sql, rows: readonly FeatureRow[], uploadId: string): Promise<number[]> {
  const fresh = rows.filter((r) => r.id === undefined);
  const old = rows.filter((r) => r.id !== undefined);
  const cols = (rs: readonly FeatureRow[]) => [
    rs.map((r) => r.class),
    rs.map((r) => r.value),
    rs.map((r) => r.confidence),
    rs.map((r) => r.status),
    rs.map((r) => iso(r.firstSeen)),
    rs.map((r) => iso(r.lastSeen)),
    rs.map((r) => r.lon),
    rs.map((r) => r.lat),
    rs.map((r) => r.sigmaM),
    rs.map((r) => r.facingDeg),
    rs.map((r) => r.observationCount),
    rs.map((r) => r.driveCount),
    rs.map((r) => r.meanScore),
    rs.map((r) => r.removal),
    rs.map((r) => r.misses),
  ];
  let ids: number[] = [];
  if (fresh.length > 0) {
    const c = cols(fresh);
    const got = await tx<Array<{ id: number }>>`
      insert into map_features (class, value, confidence, status, first_seen_at, last_seen_at, geom, position_sigma_m,
        facing_deg, observation_count, drive_count, mean_score, removal_probability, consecutive_misses)
      select class, value, confidence, status, first_seen_at, last_seen_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326),
        sigma, facing, n_obs, n_drives, mean_score, removal, misses
      from unnest(${c[0] as string[]}::text[], ${c[1] as string[]}::text[], ${c[2] as number[]}::float8[],
        ${c[3] as string[]}::text[], ${c[4] as string[]}::timestamptz[], ${c[5] as string[]}::timestamptz[],
        ${c[6] as number[]}::float8[], ${c[7] as number[]}::float8[], ${c[8] as number[]}::float8[],
        ${c[9] as number[]}::float8[], ${c[10] as number[]}::int[], ${c[11] as number[]}::int[],
        ${c[12] as number[]}::float8[], ${c[13] as number[]}::float8[], ${c[14] as number[]}::int[])
        with ordinality as t(class, value, confidence, status, first_seen_at, last_seen_at, lon, lat, sigma, facing,
          n_obs, n_drives, mean_score, removal, misses, ord)
      order by ord
      returning id::float8 as id`;
    ids = got.map((g) => g.id);
  }
  if (old.length > 0) {
    const c = cols(old);
    await tx`
      update map_features m set class = t.class, value = t.value, confidence = t.confidence, status = t.status,
        first_seen_at = t.first_seen_at, last_seen_at = t.last_seen_at, geom = ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326),
        position_sigma_m = t.sigma, facing_deg = t.facing, observation_count = t.n_obs, drive_count = t.n_drives,
        mean_score = t.mean_score, removal_probability = t.removal, consecutive_misses = t.misses,
        version = m.version + 1, updated_at = now()
      from unnest(${old.map((r) => r.id as number)}::bigint[], ${c[0] as string[]}::text[], ${c[1] as string[]}::text[],
        ${c[2] as number[]}::float8[], ${c[3] as string[]}::text[], ${c[4] as string[]}::timestamptz[],
        ${c[5] as string[]}::timestamptz[], ${c[6] as number[]}::float8[], ${c[7] as number[]}::float8[],
        ${c[8] as number[]}::float8[], ${c[9] as number[]}::float8[], ${c[10] as number[]}::int[],
        ${c[11] as number[]}::int[], ${c[12] as number[]}::float8[], ${c[13] as number[]}::float8[],
        ${c[14] as number[]}::int[])
        as t(id, class, value, confidence, status, first_seen_at, last_seen_at, lon, lat, sigma, facing, n_obs, n_drives,
          mean_score, removal, misses)
      where m.id = t.id`;
  }
  const all = [...ids, ...old.map((r) => r.id as number)];
  const reasons = [...fresh.map((r) => r.reason), ...old.map((r) => r.reason)];
  await recordVersions(tx, all, reasons, uploadId);
  return ids;
}

/** Closes the current version of each feature and appends its present state as the next one. */
export async function recordVersions(
  tx: Sql,
  ids: readonly number[],
  reasons: readonly string[],
  uploadId: string | null,
): Promise<void> {
  if (ids.length === 0) return;
  await tx`update map_feature_versions set valid_to = now()
           where feature_id = any(${ids as number[]}::bigint[]) and valid_to is null`;
  await tx`insert into map_feature_versions (feature_id, version, valid_from, class, value, status, confidence,
             removal_probability, geom, upload_id, reason)
           select m.id, m.version, now(), m.class, m.value, m.status, m.confidence, m.removal_probability, m.geom,
             ${uploadId}, t.reason
           from unnest(${ids as number[]}::bigint[], ${reasons as string[]}::text[]) as t(id, reason)
           join map_features m on m.id = t.id`;
}

/** Links observations to the feature they support. */
export async function writeObservations(
  tx: Sql,
  links: ReadonlyArray<{ featureId: number; o: Observation }>,
): Promise<void> {
  for (let k = 0; k < links.length; k += 5000) {
    const b = links.slice(k, k + 5000);
    await tx`insert into feature_observations (detection_id, feature_id, upload_id, captured_at, camera_lon, camera_lat,
               bearing_deg, bearing_sigma_deg, range_m, range_sigma_m, position_sigma_m, score, value)
             select * from unnest(${b.map((l) => l.o.detectionId)}::bigint[], ${b.map((l) => l.featureId)}::bigint[],
               ${b.map((l) => l.o.uploadId)}::uuid[], ${b.map((l) => iso(l.o.t))}::timestamptz[],
               ${b.map((l) => l.o.lon)}::float8[], ${b.map((l) => l.o.lat)}::float8[], ${b.map((l) => l.o.bearingDeg)}::real[],
               ${b.map((l) => l.o.bearingSigmaDeg)}::real[], ${b.map((l) => l.o.rangeM)}::real[],
               ${b.map((l) => l.o.rangeSigmaM)}::real[], ${b.map((l) => l.o.positionSigmaM)}::real[],
               ${b.map((l) => l.o.score)}::real[], ${b.map((l) => l.o.value) as string[]}::text[])`;
  }
}

/** Records the passes of one drive: features it passed with them in clear view, and how often it detected them. */
export async function writePasses(
  tx: Sql,
  uploadId: string,
  passes: ReadonlyArray<{ featureId: number; at: number; expected: number; seen: number }>,
): Promise<void> {
  if (passes.length === 0) return;
  await tx`insert into feature_passes (feature_id, upload_id, passed_at, expected_frames, seen_frames)
           select f, ${uploadId}, at, e, s from unnest(${passes.map((p) => p.featureId)}::bigint[],
             ${passes.map((p) => iso(p.at))}::timestamptz[], ${passes.map((p) => p.expected)}::int[],
             ${passes.map((p) => p.seen)}::int[]) as t(f, at, e, s)`;
}

// The tiler owns tile_dirty_areas: fusion marks areas through its face (re-exported for fusion's own files).
export { markDirty } from '../tiler/index.ts';
