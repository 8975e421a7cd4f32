import type { Track } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Reason, Sql } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import {
  finishStep,
  runStep,
  sameDeviceUploads,
  setValidation,
  storedFiles,
  transition,
  uploadManifest,
} from '../uploads/index.ts';
import { alignByMotion } from './align-by-motion.ts';
import { deviceConflict } from './device-conflict.ts';
import { type ClipGap, type Drive, type DriveFile, type DriveTiming, loadDrive } from './load-drive.ts';
import {
  type Finding,
  type TrackFingerprint,
  trackFingerprint,
  type ValidationReport,
  validateTrack,
} from './validate/index.ts';
import type { MotionAlignment } from './video/index.ts';

/** The stored report: the validation report without the (large) trimmed points, plus where the track came from. */
export type StoredReport = Omit<ValidationReport, 'trimmed'> & {
  trackFrom: string;
  videos: {
    name: string;
    t0: string;
    alignedBy: string;
    durationS: number;
    /** The motion check: offset (when confident) and confidence against the clock it checked. */
    motion?: { offsetMs?: number; bestMs: number; confidence: number; clock: string };
  }[];
  /** Pauses between consecutive clips, in seconds on the GPS clock. */
  gaps: ClipGap[];
};

/** The files of an upload, as paths into the blob store. */
export async function uploadDriveFiles(ctx: StageContext, tx: Sql, uploadId: string): Promise<DriveFile[]> {
  const out: DriveFile[] = [];
  for (const r of await storedFiles(tx, uploadId))
    out.push({ name: r.name, role: r.role, path: await ctx.blobs.localPath(r.blobKey as string) });
  return out;
}

/** The video span on the GPS clock, from the first video's start to the last one's end. */
function videoSpan(drive: Drive): { startMs: number; durationS: number } | undefined {
  if (drive.videos.length === 0) return undefined;
  let start = Infinity;
  let end = -Infinity;
  for (const v of drive.videos) {
    start = Math.min(start, v.align.t0Ms);
    end = Math.max(end, v.align.t0Ms + v.probe.durationS * 1000);
  }
  return { startMs: start, durationS: (end - start) / 1000 };
}

/** Earlier uploads' fingerprints whose tracks overlap this track's bounding box. */
async function nearbyFingerprints(tx: Sql, uploadId: string, fp: TrackFingerprint) {
  if (fp.lat.length === 0) return [];
  const [w, s, e, n] = fp.bbox;
  // ~100 m of margin: a replay shifted by a constant offset still overlaps.
  return tx<{ upload_id: string; fingerprint: TrackFingerprint }[]>`
    select upload_id, fingerprint from tracks
    where upload_id <> ${uploadId} and geom && ST_Expand(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 0.001)`;
}

/** Other accepted uploads of the same device whose tracks overlap this track in time. */
async function sameDeviceOverlapping(tx: Sql, uploadId: string, track: Track) {
  // A loop, not Math.min(...times): a 2-hour 18 Hz GoPro track (130,000 fixes) overflows a spread's call stack.
  let first = Infinity;
  let last = -Infinity;
  for (const p of track.points) {
    if (!Number.isFinite(p.t)) continue;
    if (p.t < first) first = p.t;
    if (p.t > last) last = p.t;
  }
  if (first > last) return [];
  const start = new Date(first);
  const end = new Date(last);
  const others = await sameDeviceUploads(tx, uploadId);
  if (others.length === 0) return [];
  return tx<{ uploadId: string; fingerprint: TrackFingerprint }[]>`
    select upload_id as "uploadId", fingerprint from tracks
    where upload_id = any(${others}::uuid[]) and started_at < ${end} and ended_at > ${start}`;
}

/** WKT of a LineStringM whose M is Unix seconds. */
function lineStringM(t: Track): string {
  return `LINESTRING M (${t.points.map((p) => `${p.lon} ${p.lat} ${p.t / 1000}`).join(', ')})`;
}

/** The motion check as the stored report keeps it. */
function storedMotion(m: MotionAlignment): NonNullable<StoredReport['videos'][number]['motion']> {
  return {
    ...(m.offsetMs !== undefined ? { offsetMs: m.offsetMs } : {}),
    bestMs: m.bestMs,
    confidence: m.confidence,
    clock: m.claimedBy,
  };
}

/** Turns findings that refuse the track into the upload's quarantine reasons. */
function rejectReasons(r: ValidationReport): Reason[] {
  return r.reasons
    .filter((f) => f.severity === 'reject')
    .map((f) => ({ code: f.code, message: f.message, ...(f.details ? { details: f.details } : {}) }));
}

/**
 * Job `ingest.validate`: reads the upload's telemetry, places its videos in time, runs the GPS checks (including
 * replays of earlier uploads found through PostGIS), and stores the report. A track that passes is stored (trimmed)
 * and the upload goes on to sampling; one that fails, or files that cannot be read, quarantine the upload with the
 * reasons. Nothing is dropped silently.
 */
export async function validateUpload(ctx: StageContext, uploadId: string, jobId?: string) {
  return runStep(ctx.sql, { uploadId, step: 'ingest.validate', jobId }, async (tx) => {
    const manifest = await uploadManifest<DriveTiming>(tx, uploadId);
    const timing: DriveTiming = {
      ...(manifest?.startTime !== undefined ? { startTime: manifest.startTime } : {}),
      ...(manifest?.timeOffsetMs !== undefined ? { timeOffsetMs: manifest.timeOffsetMs } : {}),
      ...(manifest?.timezone !== undefined ? { timezone: manifest.timezone } : {}),
    };
    let drive: Drive;
    let motionFindings: Finding[];
    try {
      drive = await loadDrive(await uploadDriveFiles(ctx, tx, uploadId), timing, { allowUnplaced: true });
      motionFindings = await alignByMotion(drive, timing);
    } catch (err) {
      if (!(err instanceof MapmintError) || err.kind === 'internal' || err.kind === 'dependency_missing') throw err;
      const reasons: Reason[] = [{ code: err.code, message: err.message }];
      await setValidation(tx, uploadId, { verdict: 'rejected', reasons });
      await transition(tx, uploadId, 'quarantined', { step: 'ingest.validate', actor: 'worker', reasons });
      return { verdict: 'rejected', reasons: [err.code] };
    }
    const earlier = await nearbyFingerprints(tx, uploadId, trackFingerprint(drive.track));
    const video = videoSpan(drive);
    const report = validateTrack(drive.track, {
      ...(video ? { video } : {}),
      earlier: earlier.map((e) => e.fingerprint),
    });
    report.reasons.push(...motionFindings);
    if (motionFindings.some((f) => f.severity === 'reject')) report.verdict = 'rejected';
    for (const other of await sameDeviceOverlapping(tx, uploadId, drive.track)) {
      const conflict = deviceConflict(drive.track, other);
      if (conflict) {
        report.reasons.push(conflict);
        report.verdict = 'rejected';
      }
    }
    for (const f of report.reasons) {
      if (f.code !== 'replay' || !f.details) continue;
      const original = earlier.find((e) => e.fingerprint.startMs === f.details?.earlierStartMs);
      if (original) f.details.originalUploadId = original.upload_id;
    }
    const { trimmed, ...rest } = report;
    const stored: StoredReport = {
      ...rest,
      trackFrom: drive.trackFrom,
      videos: drive.videos.map((v) => ({
        name: v.name,
        t0: new Date(v.align.t0Ms).toISOString(),
        alignedBy: v.align.source,
        durationS: v.probe.durationS,
        ...(v.align.motion ? { motion: storedMotion(v.align.motion) } : {}),
      })),
      gaps: drive.gaps,
    };
    await setValidation(tx, uploadId, stored);
    if (report.verdict === 'rejected') {
      await transition(tx, uploadId, 'quarantined', {
        step: 'ingest.validate',
        actor: 'worker',
        reasons: rejectReasons(report),
      });
      return { verdict: report.verdict, reasons: report.reasons.map((r) => r.code) };
    }
    const blob = await ctx.blobs.putBuffer(Buffer.from(JSON.stringify(trimmed)));
    const first = trimmed.points[0]!;
    const last = trimmed.points[trimmed.points.length - 1]!;
    await tx`insert into tracks (upload_id, geom, source_format, point_count, length_m, started_at, ended_at,
                                 points_blob_key, fingerprint, segments)
             values (${uploadId}, ST_GeomFromText(${lineStringM(trimmed)}, 4326), ${trimmed.format}, ${trimmed.points.length},
                     ${report.stats.lengthM}, ${new Date(first.t)}, ${new Date(last.t)}, ${blob.key},
                     ${tx.json(trackFingerprint(trimmed) as never)}, ${report.segments.length})`;
    await transition(tx, uploadId, 'processing', { step: 'ingest.validate', actor: 'worker' });
    await finishStep(tx, ctx.queue, 'ingest.validate', uploadId);
    return { verdict: report.verdict, points: trimmed.points.length, lengthM: Math.round(report.stats.lengthM) };
  });
}
