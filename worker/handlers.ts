import { tilesDir } from '../db/index.ts';
import { fuseUpload } from '../fusion/index.ts';
import { sampleUpload, validateUpload, verifyUpload } from '../ingest/index.ts';
import type { JobName, JobPayloads, StageContext } from '../queue/index.ts';
import { bookUpload, rewardConfigFromEnv } from '../rewards/index.ts';
import { matchUpload } from '../roads/index.ts';
import { updateDirtyTiles } from '../tiler/index.ts';
import {
  detectUpload,
  openPrivacyBlur,
  openVisionModels,
  type PrivacyBlur,
  type VisionModels,
} from '../vision/index.ts';

/** A job handler: does one step for one upload, idempotently. */
export type Handler<N extends JobName> = (ctx: StageContext, data: JobPayloads[N], jobId: string) => Promise<unknown>;

let visionModels: Promise<VisionModels> | undefined;

/** The detector and OCR models, opened once per worker process and kept across jobs. */
function sharedVisionModels(): Promise<VisionModels> {
  visionModels ??= openVisionModels().catch((err: unknown) => {
    visionModels = undefined;
    throw err;
  });
  return visionModels;
}

let privacy: Promise<PrivacyBlur> | undefined;

/**
 * The privacy step (faces, heads of persons, plates), sharing the detector and OCR models: ingest calls it on every
 * kept frame while the frame is still in memory, so an unblurred frame never reaches the blob store.
 */
export function sharedPrivacy(): Promise<PrivacyBlur> {
  privacy ??= sharedVisionModels()
    .then((m) => openPrivacyBlur({ models: { detector: m.detector, ocr: m.ocr } }))
    .catch((err: unknown) => {
      privacy = undefined;
      throw err;
    });
  return privacy;
}

/** Which stage handles which job. A job without a handler here waits in the queue for a worker that has one. */
export const HANDLERS: { [N in JobName]?: Handler<N> } = {
  'upload.received': (ctx, data, jobId) => verifyUpload(ctx, data.uploadId, jobId),
  'ingest.validate': (ctx, data, jobId) => validateUpload(ctx, data.uploadId, jobId),
  'ingest.sample': async (ctx, data, jobId) =>
    sampleUpload(ctx, data.uploadId, jobId, { beforeStore: (await sharedPrivacy()).beforeStore }),
  'vision.detect': async (ctx, data, jobId) => {
    const r = await detectUpload(ctx, data.uploadId, jobId, { models: await sharedVisionModels() });
    // Sent after the step commits, also when it was already done (a retry): the job id is deterministic, so this
    // enqueues fusion exactly once however often it runs.
    await ctx.queue.send('fusion.update', { uploadId: data.uploadId });
    return r;
  },
  'fusion.update': async (ctx, data, jobId) => {
    const r = await fuseUpload(ctx, data.uploadId, jobId);
    // Features changed somewhere: fusion marked the area in tile_dirty_areas, the tiles follow.
    if (r.output?.dirtyBbox)
      await ctx.queue.send('tiler.update', { uploadId: data.uploadId }, { key: `fusion:${data.uploadId}` });
    return r;
  },
  'roads.match': (ctx, data, jobId) => matchUpload(ctx, data.uploadId, jobId),
  'rewards.book': (ctx, data, jobId) => bookUpload(ctx, data.uploadId, rewardConfigFromEnv(), jobId),
  'tiler.update': (ctx) => updateDirtyTiles(ctx.sql, tilesDir()),
};
