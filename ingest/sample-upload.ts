import { MapmintError, type Track } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { finishStep, runStep, setProgress, stepFinished, transition, uploadValidation } from '../uploads/index.ts';
import { type BeforeStore, sampleFrames, sampleImages } from './sample/index.ts';
import { trackPointsKey } from './stored-drive.ts';
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
  /** Frames per committed batch of rows; default 50. */
  batchFrames?: number;
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

/** Errors that end sampling with a quarantine reason instead of a retry: limits and videos that cannot be read. */
const isQuarantine = (e: unknown): e is MapmintError =>
  e instanceof MapmintError && (e.kind === 'too_large' || e.kind === 'invalid_input');

/**
 * Decodes each video once and keeps posed, quality-checked frames every few metres (image uploads: the same rules
 * over the images), storing them as JPEG blobs and committing their rows a batch at a time. Outside any
 * transaction: the upload row is not locked while this runs, and a retry after a crash resumes after the committed
 * rows (frame `idx` is deterministic and inserts are `on conflict do nothing`, so nothing is stored twice).
 */
async function sampleAll(ctx: StageContext, uploadId: string, opts: SampleUploadOptions): Promise<{ skipped: number }> {
  const files = await uploadDriveFiles(ctx, ctx.sql, uploadId);
  const key = await trackPointsKey(ctx.sql, uploadId);
  const validation = await uploadValidation<StoredReport>(ctx.sql, uploadId);
  // No track: validation quarantined the upload, and the final transition says so.
  if (!key || !validation) return { skipped: 0 };
  const stored = new Set(
    (await ctx.sql<{ idx: number }[]>`select idx from frames where upload_id = ${uploadId}`).map((r) => r.idx),
  );
  const track = JSON.parse((await ctx.blobs.getBuffer(key)).toString('utf8')) as Track;
  const common = {
    blobs: ctx.blobs,
    db: { sql: ctx.sql, uploadId },
    stored,
    ...(opts.beforeStore ? { beforeStore: opts.beforeStore } : {}),
  };
  const batch = opts.batchFrames !== undefined ? { batchFrames: opts.batchFrames } : {};
  const videos = files.filter((f) => f.role === 'video');
  const total = validation.videos.reduce((s, v) => s + v.durationS, 0);
  const progress = progressWriter(ctx.sql, uploadId, total, opts.onProgress);
  let before = 0;
  for (const [i, v] of videos.entries()) {
    const placed = validation.videos[i];
    if (!placed) continue;
    await sampleFrames({
      ...common,
      video: await probeVideo(v.path),
      track,
      align: Date.parse(placed.t0),
      opts: { idxOffset: i * VIDEO_IDX_STRIDE, ...batch },
      onProgress: (p) => progress.update(before + p.pts),
    });
    before += placed.durationS;
  }
  const images = files.filter((f) => f.role === 'image').map((f) => f.path);
  let skipped = 0;
  if (images.length > 0) {
    // Poses from a sidecar track when there is one, else from each image's own EXIF GPS.
    const sidecar = files.some((f) => f.role === 'track' || f.role === 'telemetry');
    const r = await sampleImages({
      ...common,
      images,
      ...(sidecar ? { track } : {}),
      opts: { idxOffset: videos.length * VIDEO_IDX_STRIDE, ...batch },
    });
    skipped = r.skipped.length;
  }
  await progress.finish();
  return { skipped };
}

/**
 * Job `ingest.sample`: samples every video and image of the upload (sampleAll, batches committed as they go), then,
 * in the step's short transaction, marks the upload done and hands it to map matching and detection. A limit or an
 * unreadable video quarantines the upload with its reason (and drops the frames stored so far) instead of retrying.
 */
export async function sampleUpload(
  ctx: StageContext,
  uploadId: string,
  jobId?: string,
  opts: SampleUploadOptions = {},
) {
  const ref = { uploadId, step: 'ingest.sample', jobId };
  if (await stepFinished(ctx.sql, uploadId, ref.step)) return { skipped: true, output: undefined };
  let result: { skipped: number } | MapmintError;
  try {
    result = await sampleAll(ctx, uploadId, opts);
  } catch (e) {
    if (!isQuarantine(e)) throw e;
    result = e;
  }
  return runStep(ctx.sql, ref, async (tx) => {
    if (result instanceof MapmintError) {
      const reasons = [{ code: result.code, message: result.message }];
      await tx`delete from frames where upload_id = ${uploadId}`;
      await transition(tx, uploadId, 'quarantined', { step: 'ingest.sample', actor: 'worker', reasons });
      return { frames: 0, skippedImages: 0, quarantined: result.code };
    }
    const [n] = await tx<{ n: number }[]>`select count(*)::int as n from frames where upload_id = ${uploadId}`;
    await finishStep(tx, ctx.queue, 'ingest.sample', uploadId);
    return { frames: n?.n ?? 0, skippedImages: result.skipped };
  });
}
