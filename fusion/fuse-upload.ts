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
import { estimateRows, snapAll, unobservedRows } from './estimate-rows.ts';
import { joinTracklets } from './join-features.ts';
import { countPasses, judgeChanges, type Pass } from './judge-changes.ts';
import { type Observation, type ObserveOptions, observe } from './observe.ts';
import {
  loadDetections,
  loadFeaturesIn,
  loadFrames,
  lockArea,
  type StoredFeature,
  type UploadFrame,
} from './read-features.ts';
import { smoothTrack } from './smooth-track.ts';
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
  const { frames, observations, tracklets } = await observeDrive(tx, uploadId, opts);
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
  const byId = new Map(existing.map((e) => [e.id, e]));
  const { joins, fresh } = await joinTracklets(tx, existing, tracklets, f, {
    clusterEpsM: opts.clusterEpsM ?? 10,
    facingSplitDeg: opts.facingSplitDeg ?? 75,
  });
  const { rows, seenBy, links } = await estimateRows(tx, joins, fresh, byId);
  if (opts.snapRoadside !== false) await snapAll(tx, rows);
  rows.push(...unobservedRows(existing, joins));
  const passes = countPasses(rows, seenBy, frames, observations, f);
  const changed = await judgeChanges(tx, rows, passes, byId, first.t);
  result.created = await writeChanges(tx, uploadId, { changed, links, passes, at: first.t });
  result.updated = changed.filter((r) => r.reason === 'observed').length;
  result.missed = changed.filter((r) => r.reason === 'missed').length;
  result.dirtyBbox = await markMoved(tx, uploadId, changed, byId);
  return result;
}

/**
 * The drive's frames (positions smoothed with speed and course, smooth-track.ts), its detections at their frame's
 * position turned into observations, and those associated into tracklets.
 */
async function observeDrive(
  tx: Sql,
  uploadId: string,
  opts: FuseOptions,
): Promise<{ frames: UploadFrame[]; observations: Observation[]; tracklets: Tracklet[] }> {
  const frames = await loadFrames(tx, uploadId);
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
  return { frames, observations, tracklets: associateDrive(observations, opts.associate) };
}

/** Writes the changed features (new ones get their ids), their new observations and the drive's passes. */
async function writeChanges(
  tx: Sql,
  uploadId: string,
  w: {
    changed: FeatureRow[];
    links: ReadonlyArray<{ row: FeatureRow; obs: Observation[] }>;
    passes: ReadonlyMap<FeatureRow, Pass>;
    at: number;
  },
): Promise<number> {
  const createdIds = await writeFeatures(tx, w.changed, uploadId);
  w.changed
    .filter((r) => r.id === undefined)
    .forEach((r, k) => {
      r.id = createdIds[k] as number;
    });
  await writeObservations(
    tx,
    w.links.flatMap((l) => l.obs.map((o) => ({ featureId: l.row.id as number, o }))),
  );
  await writePasses(
    tx,
    uploadId,
    [...w.passes].map(([row, p]) => ({ featureId: row.id as number, at: w.at, ...p })),
  );
  return createdIds.length;
}

/** Marks the tiles around every changed feature's old and new position dirty; returns that box, or null. */
async function markMoved(
  tx: Sql,
  uploadId: string,
  changed: readonly FeatureRow[],
  byId: ReadonlyMap<number, StoredFeature>,
): Promise<[number, number, number, number] | null> {
  const moved = changed.flatMap((r) => {
    const e = byId.get(r.id as number);
    return e ? [r, e] : [r];
  });
  if (moved.length === 0) return null;
  const dirty = growBox(boxOf(moved), 20);
  await markDirty(tx, dirty, `fusion:${uploadId}`);
  return dirty;
}
