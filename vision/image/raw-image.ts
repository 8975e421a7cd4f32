import sharp from 'sharp';
import type { Box, ImageInput, RgbImage } from '../detect/types.ts';

export type { RgbImage } from '../detect/types.ts';

/** Decodes an image (path or bytes) once into RGB pixels, honouring EXIF orientation. */
export async function decodeRgb(input: ImageInput): Promise<RgbImage> {
  if (isRgbImage(input)) return input;
  const { data, info } = await sharp(input)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** True for pixels already decoded (as opposed to a path or encoded bytes). */
export function isRgbImage(input: ImageInput): input is RgbImage {
  return typeof input === 'object' && !Buffer.isBuffer(input);
}

/** Rounds a box outwards to whole pixels and clips it to the image; undefined when nothing is left. */
export function pixelBox(b: Box, width: number, height: number): Box | undefined {
  const x1 = Math.max(0, Math.floor(b.x1));
  const y1 = Math.max(0, Math.floor(b.y1));
  const x2 = Math.min(width, Math.ceil(b.x2));
  const y2 = Math.min(height, Math.ceil(b.y2));
  return x2 - x1 >= 1 && y2 - y1 >= 1 ? { x1, y1, x2, y2 } : undefined;
}

/** Grows a box by `fx` of its width on each side and `fy` of its height on each side. */
export function padBox(b: Box, fx: number, fy: number = fx): Box {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  return { x1: b.x1 - w * fx, y1: b.y1 - h * fy, x2: b.x2 + w * fx, y2: b.y2 + h * fy };
}

/** Copies a rectangle (whole pixels, inside the image) out of an RGB image. */
export function cropRgb(img: RgbImage, b: Box): RgbImage {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  const data = Buffer.allocUnsafe(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((b.y1 + y) * img.width + b.x1) * 3;
    img.data.copy(data, y * w * 3, src, src + w * 3);
  }
  return { data, width: w, height: h };
}

/** Writes an RGB patch into an image at (x, y) (in place). */
export function pasteRgb(img: RgbImage, patch: RgbImage, x: number, y: number): void {
  for (let r = 0; r < patch.height; r++) {
    const dst = ((y + r) * img.width + x) * 3;
    patch.data.copy(img.data, dst, r * patch.width * 3, (r + 1) * patch.width * 3);
  }
}

/** Resizes RGB pixels with sharp (bilinear) to exactly w x h. */
export async function resizeRgb(img: RgbImage, w: number, h: number): Promise<RgbImage> {
  if (w === img.width && h === img.height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data, width: w, height: h };
}

/** Encodes RGB pixels as JPEG. */
export function encodeJpeg(img: RgbImage, quality = 85): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
