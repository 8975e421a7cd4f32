import { tilesDir } from '../db/index.ts';
import { fuseUpload } from '../fusion/index.ts';
import { sampleUpload, validateUpload, verifyUpload } from '../ingest/index.ts';
import type { JobName, JobPayloads, StageContext } from '../queue/index.ts';
import { bookUpload, rewardConfigFromEnv } from '../rewards/index.ts';
import { matchUpload } from '../roads/index.ts';
import { tileUpload, updateDirtyTiles } from '../tiler/index.ts';
import { failUpload } from '../uploads/index.ts';
import {
  detectUpload,
  openPrivacyBlur,
  openVisionModels,
  type PrivacyBlur,
  type VisionModels,
} from '../vision/index.ts';

/** Where a dead-lettered job came from: the queue (step) it failed on, its id, and its last error. */
export interface JobSource {
  sourceName: string | null;
  sourceId: string | null;
  sourceOutput: unknown;
}

/** A job handler: does one step for one upload, idempotently. */
export type Handler<N extends JobName> = (
  ctx: StageContext,
  data: JobPayloads[N],
  jobId: string,
  source: JobSource,
) => Promise<unknown>;

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
  'vision.detect': async (ctx, data, jobId) =>
    detectUpload(ctx, data.uploadId, jobId, { models: await sharedVisionModels() }),
  'fusion.update': (ctx, data, jobId) => fuseUpload(ctx, data.uploadId, jobId),
  'roads.match': (ctx, data, jobId) => matchUpload(ctx, data.uploadId, jobId),
  'rewards.book': (ctx, data, jobId) => bookUpload(ctx, data.uploadId, rewardConfigFromEnv(), jobId),
  // Without an upload (a privacy zone changed) only the tiles are redrawn: no upload's step to record.
  'tiler.update': (ctx, data, jobId) =>
    data.uploadId ? tileUpload(ctx, data.uploadId, tilesDir(), jobId) : updateDirtyTiles(ctx.sql, tilesDir()),
  'upload.failed': (ctx, data, _jobId, source) =>
    failUpload(ctx.sql, {
      uploadId: data.uploadId,
      step: source.sourceName ?? 'unknown',
      output: source.sourceOutput,
      jobId: source.sourceId,
    }),
};
