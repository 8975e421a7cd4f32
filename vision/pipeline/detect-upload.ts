import { uploadFrames } from '../../ingest/index.ts';
import type { StageContext } from '../../queue/index.ts';
import { finishStep, runStep, setProgress } from '../../uploads/index.ts';
import { analyseFrame } from './analyse-frame.ts';
import { annotateImage } from './annotate.ts';
import { mapBounded } from './run-bounded.ts';
import { storeFrameDetections } from './store-detections.ts';
import { openVisionModels, type VisionModels } from './vision-models.ts';

/** Options of the detection stage. */
export interface DetectUploadOptions {
  /** Open models to reuse (the worker keeps them across jobs); default: opened and closed here. */
  models?: VisionModels;
  /** Frames read from the database per batch. */
  batchSize?: number;
  /** Frames in flight at once (decode/OCR/store of one overlaps inference of the next). */
  concurrency?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Writes each frame with its boxes and labels drawn into this folder (for a person to look at). */
  annotateDir?: string;
}

/** What a detection run did. */
export interface DetectUploadResult extends Record<string, unknown> {
  frames: number;
  detections: number;
  modelId: string;
  modelVersion: string;
}

/**
 * Job `vision.detect`: runs the detector (+ OCR on sign candidates) over the upload's stored, already blurred
 * frames in batches and stores detections with review crops. Exactly once per upload and model version (step
 * `vision.detect:<model>@<version>`), so a newer model version adds a new set.
 */
export async function detectUpload(
  ctx: StageContext,
  uploadId: string,
  jobId?: string,
  opts: DetectUploadOptions = {},
): Promise<{ skipped: boolean; output: DetectUploadResult | undefined }> {
  const models = opts.models ?? (await openVisionModels());
  const { run } = models;
  try {
    return await runStep(
      ctx.sql,
      { uploadId, step: `vision.detect:${run.modelId}@${run.modelVersion}`, jobId },
      async (tx) => {
        const frames = await uploadFrames(tx, uploadId);
        const batch = Math.max(1, opts.batchSize ?? 16);
        let done = 0;
        let stored = 0;
        for (let i = 0; i < frames.length; i += batch) {
          const counts = await mapBounded(frames.slice(i, i + batch), opts.concurrency ?? 2, async (f) => {
            const jpeg = await ctx.blobs.getBuffer(f.blobKey);
            const r = await analyseFrame(jpeg, models);
            if (opts.annotateDir) await annotateImage(r.img, r.detections, `${opts.annotateDir}/frame-${f.idx}.jpg`);
            const n = await storeFrameDetections(tx, ctx.blobs, { id: f.id, ...r }, run);
            opts.onProgress?.({ done: ++done, total: frames.length });
            return n;
          });
          stored += counts.reduce((s, n) => s + n, 0);
          await setProgress(ctx.sql, uploadId, 'vision.detect', { done, total: frames.length, unit: 'frames' }).catch(
            () => {},
          );
        }
        await finishStep(tx, ctx.queue, 'vision.detect', uploadId);
        return { frames: frames.length, detections: stored, ...run };
      },
    );
  } finally {
    if (!opts.models) await models.close();
  }
}
