import sharp from 'sharp';
import { cropRgb, padBox, pasteRgb, pixelBox, type RgbImage } from '../image/raw-image.ts';
import type { Box } from '../types.ts';

/** How regions are blurred. */
export interface BlurOptions {
  /** Each region grows by this fraction of its size on every side before blurring. */
  pad?: number;
}

/** Pads and clips every region to whole pixels (what blurRegions actually blurs). */
export function blurBoxes(regions: readonly Box[], width: number, height: number, opts: BlurOptions = {}): Box[] {
  const pad = opts.pad ?? 0.15;
  return regions.flatMap((r) => pixelBox(padBox(r, pad), width, height) ?? []);
}

/**
 * Blurs regions in place, irreversibly: each padded region is pixelated to about 6 cells across its shorter side
 * (no character or facial feature survives) and smoothed with a gaussian of a cell's size so no blocky edges draw
 * attention. Returns the boxes blurred.
 */
export async function blurRegions(img: RgbImage, regions: readonly Box[], opts: BlurOptions = {}): Promise<Box[]> {
  const boxes = blurBoxes(regions, img.width, img.height, opts);
  for (const b of boxes) {
    const patch = cropRgb(img, b);
    const cell = Math.max(2, Math.min(patch.width, patch.height) / 6);
    const sw = Math.max(1, Math.round(patch.width / cell));
    const sh = Math.max(1, Math.round(patch.height / cell));
    const raw = { raw: { width: patch.width, height: patch.height, channels: 3 as const } };
    const small = await sharp(patch.data, raw).resize(sw, sh, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
    let out = sharp(small, { raw: { width: sw, height: sh, channels: 3 } }).resize(patch.width, patch.height, {
      fit: 'fill',
      kernel: 'nearest',
    });
    if (patch.width >= 3 && patch.height >= 3) out = out.blur(Math.max(0.3, cell / 2));
    const data = await out.raw().toBuffer();
    pasteRgb(img, { data, width: patch.width, height: patch.height }, b.x1, b.y1);
  }
  return boxes;
}
