import type { Track } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { finishStep, runStep, setProgress } from '../uploads/index.ts';
import { type BeforeStore, sampleFrames, sampleImages } from './sample/index.ts';
import type { StoredReport } from './validate-upload.ts';
import { uploadDriveFiles } from './validate-upload.ts';
import { probeVideo } from './video/index.ts';

/** Frame indices of video i start at i * VIDEO_IDX_STRIDE, images after the videos: ids stay stable across reruns. */
const VIDEO_IDX_STRIDE = 1_000_000;

/** Options of the sampling step. */
export interface SampleUploadOptions {
  /** Runs on each encoded frame before it is stored (privacy blurring plugs in here). */
  beforeStore?: BeforeStore;
  /** Progress for a CLI bar, besides the progress row status pages read. */
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Writes progress at most once a second, outside the step's transaction. */
function progressWriter(sql: Sql, uploadId: string, total: number, local?: SampleUploadOptions['onProgress']) {
  let last = 0;
  let pending: Promise<void> = Promise.resolve();
  return {
    update(done: number) {
      local?.({ done, total });
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      pending = pending
        .then(() => setProgress(sql, uploadId, 'ingest.sample', { done, total, unit: 's' }))
        .catch(() => {});
    },
    async finish() {
      local?.({ done: total, total });
      await pending;
      await setProgress(sql, uploadId, 'ingest.sample', { done: total, total, unit: 's' });
    },
  };
}

/**
 * Job `ingest.sample`: decodes each video once and keeps posed, quality-checked frames every few metres (image
 * uploads: the same rules over the images), stores them as JPEG blobs and inserts the frame rows, all in the step's
 * transaction, then marks the upload done. Progress (seconds of video decoded) is visible while it runs.
 */
export async function sampleUpload(
  ctx: StageContext,
  uploadId: string,
  jobId?: string,
  opts: SampleUploadOptions = {},
) {
  return runStep(ctx.sql, { uploadId, step: 'ingest.sample', jobId }, async (tx) => {
    const files = await uploadDriveFiles(ctx, tx, uploadId);
    const [row] = await tx<{ points_blob_key: string; validation: StoredReport }[]>`
      select t.points_blob_key, u.validation from tracks t join uploads u on u.id = t.upload_id where t.upload_id = ${uploadId}`;
    const track = JSON.parse((await ctx.blobs.getBuffer(row!.points_blob_key)).toString('utf8')) as Track;
    const videos = files.filter((f) => f.role === 'video');
    const total = row!.validation.videos.reduce((s, v) => s + v.durationS, 0);
    const progress = progressWriter(ctx.sql, uploadId, total, opts.onProgress);
    let kept = 0;
    let before = 0;
    for (const [i, v] of videos.entries()) {
      const placed = row!.validation.videos[i];
      if (!placed) continue;
      const r = await sampleFrames({
        video: await probeVideo(v.path),
        track,
        align: Date.parse(placed.t0),
        blobs: ctx.blobs,
        opts: { idxOffset: i * VIDEO_IDX_STRIDE },
        db: { sql: tx, uploadId },
        ...(opts.beforeStore ? { beforeStore: opts.beforeStore } : {}),
        onProgress: (p) => progress.update(before + p.pts),
      });
      kept += r.stats.kept;
      before += placed.durationS;
    }
    const images = files.filter((f) => f.role === 'image').map((f) => f.path);
    let skipped = 0;
    if (images.length > 0) {
      // Poses from a sidecar track when there is one, else from each image's own EXIF GPS.
      const sidecar = files.some((f) => f.role === 'track' || f.role === 'telemetry');
      const r = await sampleImages({
        images,
        ...(sidecar ? { track } : {}),
        blobs: ctx.blobs,
        opts: { idxOffset: videos.length * VIDEO_IDX_STRIDE },
        db: { sql: tx, uploadId },
        ...(opts.beforeStore ? { beforeStore: opts.beforeStore } : {}),
      });
      kept += r.frames.length;
      skipped = r.skipped.length;
    }
    await progress.finish();
    await finishStep(tx, ctx.queue, 'ingest.sample', uploadId);
    return { frames: kept, skippedImages: skipped };
  });
}
