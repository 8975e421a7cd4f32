/**
 * Incremental fusion of one upload: its detections become rays, rays become tracklets, tracklets join nearby
 * features (PostGIS DBSCAN per class, split by facing) or found new ones; every feature near the drive is checked
 * for a miss; only features within the drive's box (+ a margin) are read or written.
 */

import { boxOf, growBox, localFrame } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { JobName, StageContext } from '../queue/index.ts';
import { finishStep, runStep } from '../uploads/index.ts';
import { type AssociateOptions, associateDrive, type Tracklet } from './associate.ts';
import { countClear, countSeen, frameGrid, trailingMisses } from './change-detection.ts';
import { classGeometry } from './classes.ts';
import { confidenceOf, estimateFeature, REMOVAL_PRIOR, statusOf, updateRemoval } from './combine.ts';
import { facingOf, splitByFacing } from './facing.ts';
import { type Observation, type ObserveOptions, observe } from './observe.ts';
import {
  clusterPoints,
  loadDetections,
  loadFeaturesIn,
  loadFrames,
  loadObservations,
  loadPasses,
  lockArea,
  nearestRoads,
  type StoredFeature,
} from './read-features.ts';
import { smoothTrack } from './smooth-track.ts';
import { snapRoadside } from './snap-roadside.ts';
import { type FeatureRow, markDirty, writeFeatures, writeObservations, writePasses } from './write-features.ts';

/** The step name recorded in step_runs (and the job that runs it). */
export const FUSION_STEP: JobName = 'fusion.update';

/** Tunables of one fusion run (defaults in each module). */
export interface FuseOptions {
  observe?: ObserveOptions;
  associate?: AssociateOptions;
  /** Push roadside features off the carriageway of the nearest road; default true. */
  snapRoadside?: boolean;
  /** Window (+-) of the camera track smoothing, seconds; default 5, 0 turns it off. */
  smoothWindowS?: number;
  /** DBSCAN distance for joining tracklets and features of one class, metres; default 10. */
  clusterEpsM?: number;
  /** Tracklets whose facing differs more than this from a group's are another object, degrees; default 75. */
  facingSplitDeg?: number;
}

/** What one fusion run did. */
export interface FuseResult extends Record<string, unknown> {
  observations: number;
  tracklets: number;
  created: number;
  updated: number;
  missed: number;
  dirtyBbox: [number, number, number, number] | null;
}

/**
 * Fuses an upload exactly once (a redelivered job is a no-op): call from the `fusion.update` job handler. Without a
 * queue in `ctx` (a benchmark or a test of fusion alone) the step hands on to nothing.
 */
export async function fuseUpload(
  ctx: Pick<StageContext, 'sql'> & Partial<Pick<StageContext, 'queue'>>,
  uploadId: string,
  jobId?: string,
  opts: FuseOptions = {},
) {
  return runStep(ctx.sql, { uploadId, step: FUSION_STEP, ...(jobId ? { jobId } : {}) }, async (tx) => {
    const r = await fuseUploadIn(tx, uploadId, opts);
    await finishStep(tx, ctx.queue, FUSION_STEP, uploadId);
    return r;
  });
}

/** Margin around the drive within which features may be seen, touched or missed, metres. */
const MARGIN_M = 120;

/** The fusion of one upload inside the caller's transaction. */
export async function fuseUploadIn(tx: Sql, uploadId: string, opts: FuseOptions = {}): Promise<FuseResult> {
  const frames = await loadFrames(tx, uploadId);
  // Camera positions smoothed with speed and course (smooth-track.ts); detections take their frame's position.
  const smooth = smoothTrack(frames, opts.smoothWindowS ?? 5);
  const pos = new Map(frames.map((p, i) => [p.id, smooth[i] as [number, number]]));
  frames.forEach((p, i) => {
    [p.lat, p.lon] = smooth[i] as [number, number];
  });
  const posed = (await loadDetections(tx, uploadId)).map((d) => {
    const p = pos.get(d.frameId);
    return p ? { ...d, lat: p[0], lon: p[1] } : d;
  });
  const observations = posed.map((d) => observe(d, opts.observe)).filter((o) => o !== undefined);
  const tracklets = associateDrive(observations, opts.associate);
  const result: FuseResult = {
    observations: observations.length,
    tracklets: tracklets.length,
    created: 0,
    updated: 0,
    missed: 0,
    dirtyBbox: null,
  };
  const first = frames[0];
  if (!first) return result;
  const f = localFrame(first.lat, first.lon);
  const bbox = growBox(boxOf(frames), MARGIN_M);
  await lockArea(tx, bbox);
  const existing = await loadFeaturesIn(tx, bbox);

  // A relabelled feature keeps attracting what the detectors call it: cluster it under its evidence class.
  const relabelled = existing.filter((e) => e.relabel !== null).map((e) => e.id);
  const evidence = await loadObservations(tx, relabelled);
  const evidenceClass = (e: StoredFeature): string => {
    const obs = evidence.get(e.id);
    return e.relabel && obs && obs.length > 0 ? estimateFeature(obs).class : e.class;
  };

  // Cross-drive association: DBSCAN over existing features and new tracklets, per class.
  const items = [
    ...existing.map((e) => ({
      feature: e,
      facing: classGeometry(evidenceClass(e))?.faced ? e.facingDeg : null,
      cls: evidenceClass(e),
      lat: e.lat,
      lon: e.lon,
    })),
    ...tracklets.map((t) => ({
      tracklet: t,
      facing: classGeometry(t.class)?.faced ? facingOf(t.observations) : null,
      cls: t.class,
      lat: t.lat,
      lon: t.lon,
    })),
  ];
  const xy = items.map((it) => f.toXY(it.lat, it.lon));
  const cids = await clusterPoints(
    tx,
    items.map((it, i) => ({ x: (xy[i] as [number, number])[0], y: (xy[i] as [number, number])[1], class: it.cls })),
    opts.clusterEpsM ?? 10,
  );
  const clusters = new Map<number, number[]>();
  cids.forEach((c, i) => {
    clusters.set(c, [...(clusters.get(c) ?? []), i]);
  });
  const joins = new Map<number, Tracklet[]>();
  const fresh: Tracklet[][] = [];
  for (const members of clusters.values()) {
    if (!members.some((i) => items[i] && 'tracklet' in (items[i] as object))) continue;
    for (const group of splitByFacing(members, (i) => items[i]?.facing ?? null, opts.facingSplitDeg ?? 75)) {
      const feats = group.filter((i) => 'feature' in (items[i] as object));
      const tls = group.filter((i) => 'tracklet' in (items[i] as object));
      if (feats.length === 0) {
        fresh.push(tls.map((i) => (items[i] as { tracklet: Tracklet }).tracklet));
        continue;
      }
      for (const ti of tls) {
        const [tx0, ty0] = xy[ti] as [number, number];
        const near = feats.reduce((a, b) => (dist2(xy[a], tx0, ty0) <= dist2(xy[b], tx0, ty0) ? a : b));
        const id = (items[near] as { feature: StoredFeature }).feature.id;
        joins.set(id, [...(joins.get(id) ?? []), (items[ti] as { tracklet: Tracklet }).tracklet]);
      }
    }
  }

  // Re-estimate touched features from all their observations; estimate new ones.
  const stored = await loadObservations(tx, [...joins.keys()]);
  const byId = new Map(existing.map((e) => [e.id, e]));
  const rows: FeatureRow[] = [];
  const seenBy = new Map<FeatureRow, number>();
  const links: Array<{ row: FeatureRow; obs: Observation[] }> = [];
  for (const [id, tls] of joins) {
    const e = byId.get(id) as StoredFeature;
    const obs = tls.flatMap((t) => t.observations);
    const row = featureRow([...(stored.get(id) ?? []), ...obs], e, 'observed');
    rows.push(row);
    seenBy.set(row, obs.length);
    links.push({ row, obs });
  }
  for (const tls of fresh) {
    const obs = tls.flatMap((t) => t.observations);
    const row = featureRow(obs, undefined, 'created');
    rows.push(row);
    seenBy.set(row, obs.length);
    links.push({ row, obs });
  }
  if (opts.snapRoadside !== false) await snapAll(tx, rows);

  // Change detection: every live feature in the box, against every frame of this drive.
  for (const e of existing) if (!joins.has(e.id) && e.status !== 'rejected') rows.push(storedRow(e));
  const grid = frameGrid(frames, f);
  const passes = new Map<FeatureRow, { expected: number; seen: number }>();
  for (const row of rows) {
    const expected = countClear(row, grid, f);
    const seen = Math.max(seenBy.get(row) ?? 0, countSeen(row, observations, f));
    if (seen > 0 || expected >= 2) passes.set(row, { expected, seen });
  }
  // Removal probability and status from the whole pass history, in time order (uploads may arrive out of order).
  const prior = await loadPasses(
    tx,
    rows.flatMap((r) => (r.id === undefined ? [] : [r.id])),
  );
  const changed: FeatureRow[] = [];
  for (const row of rows) {
    const pass = passes.get(row);
    const e = row.id === undefined ? undefined : byId.get(row.id);
    if (row.reason === 'missed' && !pass) continue;
    const h = [...(row.id === undefined ? [] : (prior.get(row.id) ?? [])), ...(pass ? [{ at: first.t, ...pass }] : [])];
    h.sort((a, b) => a.at - b.at);
    row.removal = h.reduce((p, x) => updateRemoval(p, x), REMOVAL_PRIOR);
    row.misses = trailingMisses(h);
    row.status = statusOf({ ...row, votesUp: e?.votesUp ?? 0, votesDown: e?.votesDown ?? 0 });
    if (row.reason === 'missed' && e && e.status === row.status && Math.abs(e.removalProbability - row.removal) < 1e-6)
      continue;
    changed.push(row);
  }
  const createdIds = await writeFeatures(tx, changed, uploadId);
  changed
    .filter((r) => r.id === undefined)
    .forEach((r, k) => {
      r.id = createdIds[k] as number;
    });
  await writeObservations(
    tx,
    links.flatMap((l) => l.obs.map((o) => ({ featureId: l.row.id as number, o }))),
  );
  await writePasses(
    tx,
    uploadId,
    [...passes].map(([row, p]) => ({ featureId: row.id as number, at: first.t, ...p })),
  );
  result.created = createdIds.length;
  result.updated = changed.filter((r) => r.reason === 'observed').length;
  result.missed = changed.filter((r) => r.reason === 'missed').length;
  const moved = changed.flatMap((r) => {
    const e = byId.get(r.id as number);
    return e ? [r, e] : [r];
  });
  if (moved.length > 0) {
    result.dirtyBbox = growBox(boxOf(moved), 20);
    await markDirty(tx, result.dirtyBbox, `fusion:${uploadId}`);
  }
  return result;

  function storedRow(e: StoredFeature): FeatureRow {
    return { ...e, removal: e.removalProbability, reason: 'missed' };
  }

  function featureRow(obs: Observation[], e: StoredFeature | undefined, reason: string): FeatureRow {
    const est = estimateFeature(obs);
    const votesUp = e?.votesUp ?? 0;
    const votesDown = e?.votesDown ?? 0;
    const confidence = confidenceOf({ ...est, votesUp, votesDown });
    return {
      ...(e ? { id: e.id } : {}),
      // A settled review relabel outranks the detectors.
      class: e?.relabel ? e.relabel.class : est.class,
      value: e?.relabel ? e.relabel.value : est.value,
      confidence,
      status: 'candidate',
      firstSeen: est.firstSeen,
      lastSeen: est.lastSeen,
      lat: est.lat,
      lon: est.lon,
      sigmaM: est.sigmaM,
      facingDeg: est.facingDeg,
      observationCount: est.observationCount,
      driveCount: est.driveCount,
      meanScore: est.meanScore,
      removal: REMOVAL_PRIOR,
      misses: 0,
      reason,
    };
  }
}

function dist2(p: [number, number] | undefined, x: number, y: number): number {
  return p ? (p[0] - x) ** 2 + (p[1] - y) ** 2 : Number.POSITIVE_INFINITY;
}

/** Pushes roadside features that landed on the carriageway of their nearest road to its edge. */
async function snapAll(tx: Sql, rows: FeatureRow[]): Promise<void> {
  const side = rows.filter((r) => classGeometry(r.class)?.roadside);
  const roads = await nearestRoads(tx, side, 15);
  side.forEach((r, i) => {
    const road = roads[i];
    if (!road) return;
    const s = snapRoadside(r, road);
    r.lat = s.lat;
    r.lon = s.lon;
  });
}
