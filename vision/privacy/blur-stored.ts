import { setFrameBlob, uploadFrames } from '../../ingest/index.ts';
import type { StageContext } from '../../queue/index.ts';
import { runStep } from '../../uploads/index.ts';
import { cropRgb, decodeRgb, encodeCropJpeg, padBox, pixelBox } from '../image/raw-image.ts';
import { croppedDetections, setDetectionCrop } from '../pipeline/read-detections.ts';
import { openPrivacyBlur, type PrivacyBlur } from './privacy-blur.ts';

/**
 * Blurs the frames of an upload stored before the privacy step existed: each frame is re-encoded blurred into a
 * new blob and `frames.blob_key` points at it; review crops of earlier detections on those frames are re-cut from
 * the blurred frame, so no row references an unblurred blob any more. Exactly once per upload (step `vision.blur`).
 */
export async function blurStoredFrames(
  ctx: StageContext,
  uploadId: string,
  opts: { privacy?: PrivacyBlur; onProgress?: (p: { done: number; total: number }) => void } = {},
) {
  const privacy = opts.privacy ?? (await openPrivacyBlur());
  try {
    return await runStep(ctx.sql, { uploadId, step: 'vision.blur' }, async (tx) => {
      const frames = await uploadFrames(tx, uploadId);
      let regions = 0;
      for (const [i, f] of frames.entries()) {
        const { jpeg, regions: r } = await privacy.blurJpeg(await ctx.blobs.getBuffer(f.blobKey));
        regions += r.length;
        const { key } = await ctx.blobs.putBuffer(jpeg);
        await setFrameBlob(tx, f.id, key);
        const dets = await croppedDetections(tx, f.id);
        if (dets.length > 0) {
          const img = await decodeRgb(jpeg);
          for (const d of dets) {
            const b = pixelBox(padBox(d, 0.2), img.width, img.height);
            const crop = b ? (await ctx.blobs.putBuffer(encodeCropJpeg(cropRgb(img, b), 90))).key : null;
            await setDetectionCrop(tx, d.id, crop);
          }
        }
        opts.onProgress?.({ done: i + 1, total: frames.length });
      }
      return { frames: frames.length, regions };
    });
  } finally {
    if (!opts.privacy) await privacy.close();
  }
}
