import type { StageContext } from '../../queue/index.ts';
import { runStep } from '../../uploads/index.ts';
import { cropRgb, decodeRgb, encodeCropJpeg, padBox, pixelBox } from '../image/raw-image.ts';
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
      const frames = await tx<{ id: number; blob_key: string }[]>`
        select id, blob_key from frames where upload_id = ${uploadId} order by idx`;
      let regions = 0;
      for (const [i, f] of frames.entries()) {
        const { jpeg, regions: r } = await privacy.blurJpeg(await ctx.blobs.getBuffer(f.blob_key));
        regions += r.length;
        const { key } = await ctx.blobs.putBuffer(jpeg);
        await tx`update frames set blob_key = ${key} where id = ${f.id}`;
        const dets = await tx<{ id: number; x1: number; y1: number; x2: number; y2: number }[]>`
          select id, x1, y1, x2, y2 from detections where frame_id = ${f.id} and crop_blob_key is not null`;
        if (dets.length > 0) {
          const img = await decodeRgb(jpeg);
          for (const d of dets) {
            const b = pixelBox(padBox(d, 0.2), img.width, img.height);
            const crop = b ? (await ctx.blobs.putBuffer(encodeCropJpeg(cropRgb(img, b), 90))).key : null;
            await tx`update detections set crop_blob_key = ${crop} where id = ${d.id}`;
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
