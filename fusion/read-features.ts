/** The database side of fusion: reading an upload's posed detections and frames, nearby features, and writing back. */

import type { Sql } from '../db/index.ts';
import { uploadFrames } from '../ingest/index.ts';
import { uploadCamera } from '../uploads/index.ts';
import { newestRunDetections } from '../vision/index.ts';
import { CLASS_GEOMETRY } from './classes.ts';
import type { MapFeature } from './feature-rows.ts';
import type { Observation, PosedDetection } from './observe.ts';
import type { FramePose } from './visibility.ts';

/** A frame of the upload with its camera, for change detection. */
export interface UploadFrame extends FramePose {
  id: number;
  t: number;
  speedMps: number | null;
}

/** The posed detections of an upload from its newest model run, for the classes fusion maps (by detection id). */
export async function loadDetections(tx: Sql, uploadId: string): Promise<PosedDetection[]> {
  const frames = await uploadFrames(tx, uploadId);
  const camera = await uploadCamera(tx, uploadId);
  const byId = new Map(frames.map((f) => [f.id, f]));
  const dets = await newestRunDetections(tx, [...byId.keys()], Object.keys(CLASS_GEOMETRY));
  return dets.map((d) => {
    const f = byId.get(d.frameId)!;
    return {
      detectionId: d.id,
      frameId: d.frameId,
      uploadId,
      t: f.capturedAt.getTime(),
      lat: f.lat,
      lon: f.lon,
      headingDeg: f.headingDeg,
      frameWidth: f.width,
      frameHeight: f.height,
      hfovDeg: camera?.hfovDeg ?? null,
      mountYawDeg: camera?.mountYawDeg ?? 0,
      class: d.class,
      score: d.score,
      x1: d.x1,
      y1: d.y1,
      x2: d.x2,
      y2: d.y2,
      value: d.value,
    };
  });
}

/** Every frame of the upload with its camera, by capture time. */
export async function loadFrames(tx: Sql, uploadId: string): Promise<UploadFrame[]> {
  const camera = await uploadCamera(tx, uploadId);
  return (await uploadFrames(tx, uploadId, 'time')).map((f) => ({
    id: f.id,
    t: f.capturedAt.getTime(),
    lat: f.lat,
    lon: f.lon,
    headingDeg: f.headingDeg,
    speedMps: f.speedMps,
    mountYawDeg: camera?.mountYawDeg ?? 0,
    hfovDeg: camera?.hfovDeg ?? null,
    width: f.width,
    height: f.height,
  }));
}

/** A stored feature, as fusion needs it: the shared feature shape with fusion's bookkeeping. */
export interface StoredFeature extends MapFeature {
  sigmaM: number;
  facingDeg: number | null;
  firstSeen: number;
  lastSeen: number;
  observationCount: number;
  driveCount: number;
  meanScore: number;
  votesUp: number;
  votesDown: number;
  removalProbability: number;
  misses: number;
  /** A settled review relabel (class and value a reviewer set): it outranks what the detectors say. */
  relabel: { class: string; value: string | null } | null;
}

/** Features within a [w, s, e, n] box, by id. */
export async function loadFeaturesIn(
  tx: Sql,
  bbox: readonly [number, number, number, number],
): Promise<StoredFeature[]> {
  const rows = await tx<StoredFeature[]>`
    select id::float8 as id, class, value, status, confidence::float8 as confidence, ST_Y(geom) as lat, ST_X(geom) as lon,
      position_sigma_m::float8 as "sigmaM", facing_deg::float8 as "facingDeg",
      extract(epoch from first_seen_at)::float8 * 1000 as "firstSeen", extract(epoch from last_seen_at)::float8 * 1000 as "lastSeen",
      observation_count as "observationCount", drive_count as "driveCount", mean_score::float8 as "meanScore",
      votes_up as "votesUp", votes_down as "votesDown", removal_probability::float8 as "removalProbability",
      consecutive_misses as misses,
      -- review's settled relabels, read in the same statement (the db/README.md exception): one per feature in the box
      (select jsonb_build_object('class', o.class, 'value', o.value) from review_outcomes o
        where o.item_kind = 'feature' and o.item_id = map_features.id and o.status = 'settled' and o.decision = 'relabel'
      ) as relabel
    from map_features
    where geom && ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326)
    order by id`;
  return rows.map((r) => ({ ...r, firstSeen: Math.round(r.firstSeen), lastSeen: Math.round(r.lastSeen) }));
}

/** The recorded passes of some features, oldest first. */
export async function loadPasses(
  tx: Sql,
  ids: readonly number[],
): Promise<Map<number, Array<{ at: number; expected: number; seen: number }>>> {
  const out = new Map<number, Array<{ at: number; expected: number; seen: number }>>();
  if (ids.length === 0) return out;
  const rows = await tx<Array<{ featureId: number; at: number; expected: number; seen: number }>>`
    select feature_id::float8 as "featureId", extract(epoch from passed_at)::float8 * 1000 as at,
      expected_frames as expected, seen_frames as seen
    from feature_passes where feature_id = any(${ids as number[]}::bigint[]) order by passed_at, upload_id`;
  for (const r of rows)
    out.set(r.featureId, [
      ...(out.get(r.featureId) ?? []),
      { at: Math.round(r.at), expected: r.expected, seen: r.seen },
    ]);
  return out;
}

/** The stored observations of some features, as observations (box fields are not kept: u and boxH are 0). */
export async function loadObservations(tx: Sql, featureIds: readonly number[]): Promise<Map<number, Observation[]>> {
  const out = new Map<number, Observation[]>();
  if (featureIds.length === 0) return out;
  // Joined with vision's detections for their class and frame (the db/README.md exception): one statement for every
  // observation of the features being re-estimated.
  const rows = await tx<Array<Observation & { featureId: number }>>`
    select o.feature_id::float8 as "featureId", o.detection_id::float8 as "detectionId", o.upload_id as "uploadId",
      d.frame_id::float8 as "frameId", extract(epoch from o.captured_at)::float8 * 1000 as t, d.class, o.value,
      o.score::float8 as score, o.camera_lat as lat, o.camera_lon as lon, o.bearing_deg::float8 as "bearingDeg",
      o.bearing_sigma_deg::float8 as "bearingSigmaDeg", o.range_m::float8 as "rangeM",
      o.range_sigma_m::float8 as "rangeSigmaM", o.position_sigma_m::float8 as "positionSigmaM", 0 as u, 0 as "boxH"
    from feature_observations o join detections d on d.id = o.detection_id
    where o.feature_id = any(${featureIds as number[]})`;
  for (const r of rows) {
    const { featureId, ...o } = r;
    o.t = Math.round(o.t);
    out.set(featureId, [...(out.get(featureId) ?? []), o]);
  }
  return out;
}

/** Nearest live road piece within `maxM` of each point: its class and coordinates (lon, lat). */
export async function nearestRoads(
  tx: Sql,
  points: ReadonlyArray<{ lat: number; lon: number }>,
  maxM: number,
): Promise<Array<{ class: string; coords: Array<[number, number]> } | undefined>> {
  const out: Array<{ class: string; coords: Array<[number, number]> } | undefined> = points.map(() => undefined);
  if (points.length === 0) return out;
  // A PostGIS nearest-neighbour (KNN `<->` on the GiST index) per point over roads' pieces, in one statement (the
  // db/README.md exception): through a roads function it would be the same query with another owner's name on it.
  const rows = await tx<Array<{ i: number; class: string; geojson: string }>>`
    select p.i::int - 1 as i, s.class, ST_AsGeoJSON(s.geom) as geojson
    from unnest(${points.map((p) => p.lon)}::float8[], ${points.map((p) => p.lat)}::float8[]) with ordinality as p(lon, lat, i)
    cross join lateral (
      select r.class, r.geom from road_segments r
      where r.retired_at is null
      order by r.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) limit 1) s
    where ST_DWithin(s.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, ${maxM})`;
  for (const r of rows)
    out[r.i] = {
      class: r.class,
      coords: (JSON.parse(r.geojson) as { coordinates: Array<[number, number]> }).coordinates,
    };
  return out;
}

/** Clusters points (local metres) per class with PostGIS DBSCAN; returns a cluster number per point. */
export async function clusterPoints(
  tx: Sql,
  points: ReadonlyArray<{ x: number; y: number; class: string }>,
  epsM: number,
): Promise<number[]> {
  if (points.length === 0) return [];
  const rows = await tx<Array<{ i: number; cid: number }>>`
    select i::int - 1 as i, dense_rank() over (order by class, c) - 1 as cid from (
      select i, class, ST_ClusterDBSCAN(ST_MakePoint(x, y), eps => ${epsM}, minpoints => 1) over (partition by class) as c
      from unnest(${points.map((p) => p.x)}::float8[], ${points.map((p) => p.y)}::float8[],
        ${points.map((p) => p.class)}::text[]) with ordinality as t(x, y, class, i)) q`;
  const out = points.map(() => -1);
  for (const r of rows) out[r.i] = Number(r.cid);
  return out;
}

/** Serialises fusion of overlapping areas: transaction locks on the ~1 km grid cells the box touches, in order. */
export async function lockArea(tx: Sql, bbox: readonly [number, number, number, number]): Promise<void> {
  const cell = 0.01;
  const keys: number[] = [];
  for (let ix = Math.floor(bbox[0] / cell); ix <= Math.floor(bbox[2] / cell); ix++)
    for (let iy = Math.floor(bbox[1] / cell); iy <= Math.floor(bbox[3] / cell); iy++)
      keys.push((ix * 73_856_093) ^ (iy * 19_349_663));
  for (const k of [...new Set(keys)].sort((a, b) => a - b)) await tx`select pg_advisory_xact_lock(727100, ${k | 0})`;
}
