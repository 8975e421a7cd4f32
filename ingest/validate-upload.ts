import type { Track } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Reason, Sql } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { finishStep, runStep, transition } from '../uploads/index.ts';
import { deviceConflict } from './device-conflict.ts';
import { type ClipGap, type Drive, type DriveFile, loadDrive } from './load-drive.ts';
import { type TrackFingerprint, trackFingerprint, type ValidationReport, validateTrack } from './validate/index.ts';

/** The stored report: the validation report without the (large) trimmed points, plus where the track came from. */
export type StoredReport = Omit<ValidationReport, 'trimmed'> & {
  trackFrom: string;
  videos: { name: string; t0: string; alignedBy: string; durationS: number }[];
  /** Pauses between consecutive clips, in seconds on the GPS clock. */
  gaps: ClipGap[];
};

/** The files of an upload, as paths into the blob store. */
export async function uploadDriveFiles(ctx: StageContext, tx: Sql, uploadId: string): Promise<DriveFile[]> {
  const rows = await tx<{ name: string; role: DriveFile['role']; blob_key: string }[]>`
    select name, role, blob_key from upload_files where upload_id = ${uploadId} order by idx`;
  const out: DriveFile[] = [];
  for (const r of rows) out.push({ name: r.name, role: r.role, path: await ctx.blobs.localPath(r.blob_key) });
  return out;
}

/** The video span on the GPS clock, from the first video's start to the last one's end. */
function videoSpan(drive: Drive): { startMs: number; durationS: number } | undefined {
  if (drive.videos.length === 0) return undefined;
  const start = Math.min(...drive.videos.map((v) => v.align.t0Ms));
  const end = Math.max(...drive.videos.map((v) => v.align.t0Ms + v.probe.durationS * 1000));
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
  const times = track.points.map((p) => p.t).filter(Number.isFinite);
  if (times.length === 0) return [];
  const start = new Date(Math.min(...times));
  const end = new Date(Math.max(...times));
  return tx<{ uploadId: string; fingerprint: TrackFingerprint }[]>`
    select t.upload_id as "uploadId", t.fingerprint from tracks t
    join uploads o on o.id = t.upload_id join uploads me on me.id = ${uploadId}
    where o.device_id = me.device_id and o.id <> me.id and o.status <> 'quarantined'
      and t.started_at < ${end} and t.ended_at > ${start}`;
}

/** WKT of a LineStringM whose M is Unix seconds. */
function lineStringM(t: Track): string {
  return `LINESTRING M (${t.points.map((p) => `${p.lon} ${p.lat} ${p.t / 1000}`).join(', ')})`;
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
    const [u] = await tx<{ manifest: { startTime?: string; timeOffsetMs?: number } }[]>`
      select manifest from uploads where id = ${uploadId}`;
    let drive: Drive;
    try {
      drive = await loadDrive(await uploadDriveFiles(ctx, tx, uploadId), u!.manifest);
    } catch (err) {
      if (!(err instanceof MapmintError) || err.kind === 'internal' || err.kind === 'dependency_missing') throw err;
      const reasons: Reason[] = [{ code: err.code, message: err.message }];
      await tx`update uploads set validation = ${tx.json({ verdict: 'rejected', reasons } as never)} where id = ${uploadId}`;
      await transition(tx, uploadId, 'quarantined', { step: 'ingest.validate', actor: 'worker', reasons });
      return { verdict: 'rejected', reasons: [err.code] };
    }
    const earlier = await nearbyFingerprints(tx, uploadId, trackFingerprint(drive.track));
    const video = videoSpan(drive);
    const report = validateTrack(drive.track, {
      ...(video ? { video } : {}),
      earlier: earlier.map((e) => e.fingerprint),
    });
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
      })),
      gaps: drive.gaps,
    };
    await tx`update uploads set validation = ${tx.json(stored as never)} where id = ${uploadId}`;
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
