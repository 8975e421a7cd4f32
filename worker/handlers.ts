import { tilesDir } from '../db/index.ts';
import { sampleUpload, validateUpload, verifyUpload } from '../ingest/index.ts';
import type { JobName, JobPayloads, StageContext } from '../queue/index.ts';
import { bookUpload, rewardConfigFromEnv } from '../rewards/index.ts';
import { matchUpload } from '../roads/index.ts';
import { updateDirtyTiles } from '../tiler/index.ts';
import { detectUpload, openVisionModels, type VisionModels } from '../vision/index.ts';

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

/** Which stage handles which job. A job without a handler here waits in the queue for a worker that has one. */
export const HANDLERS: { [N in JobName]?: Handler<N> } = {
  'upload.received': (ctx, data, jobId) => verifyUpload(ctx, data.uploadId, jobId),
  'ingest.validate': (ctx, data, jobId) => validateUpload(ctx, data.uploadId, jobId),
  'ingest.sample': (ctx, data, jobId) => sampleUpload(ctx, data.uploadId, jobId),
  'vision.detect': async (ctx, data, jobId) =>
    detectUpload(ctx, data.uploadId, jobId, { models: await sharedVisionModels() }),
  'roads.match': (ctx, data, jobId) => matchUpload(ctx, data.uploadId, jobId),
  'rewards.book': (ctx, data, jobId) => bookUpload(ctx, data.uploadId, rewardConfigFromEnv(), jobId),
  'tiler.update': (ctx) => updateDirtyTiles(ctx.sql, tilesDir()),
};
