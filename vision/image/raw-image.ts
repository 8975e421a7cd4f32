import jpegTurbo from '@julusian/jpeg-turbo';
import sharp from 'sharp';
import type { Box, ImageInput, RgbImage } from '../types.ts';

export type { RgbImage } from '../types.ts';

/**
 * Decodes an image (path or bytes) once into RGB pixels, honouring EXIF orientation and embedded colour profiles.
 * A plain JPEG (no ICC profile, upright, 1 or 3 components: every frame ingest stores) is decoded by libjpeg-turbo
 * directly, synchronously: 3-4 ms of CPU for 1280x720 against 26-37 ms through sharp/libvips, whose per-image
 * pipeline costs far more than the decode itself (vision/README.md). Anything else goes through sharp.
 */
export async function decodeRgb(input: ImageInput): Promise<RgbImage> {
  if (isRgbImage(input)) return input;
  if (Buffer.isBuffer(input) && isPlainJpeg(input)) {
    try {
      const { data, width, height } = jpegTurbo.decompressSync(input, { format: jpegTurbo.FORMAT_RGB });
      return { data, width, height };
    } catch {
      // A JPEG libjpeg-turbo refuses (truncated, exotic): sharp says what is wrong with it, or copes.
    }
  }
  return decodeRgbWithSharp(input);
}

/** Decodes any image sharp reads into upright sRGB pixels: EXIF rotation and colour profiles applied. */
export async function decodeRgbWithSharp(input: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(input)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * True when a JPEG decodes to the same pixels without colour management or rotation: its markers before the scan
 * carry no ICC profile (APP2 `ICC_PROFILE`), no Adobe transform (APP14, CMYK/YCCK), no EXIF orientation other than
 * 1, and its frame has 1 or 3 components. Reads only the marker headers (ITU T.81 section B.1.1.4).
 */
export function isPlainJpeg(b: Buffer): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xda) return true; // start of scan: every header has been seen
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    const body = i + 4;
    if (len < 2 || body + len - 2 > b.length) return false;
    if (marker === 0xe2 && b.toString('latin1', body, body + 12) === 'ICC_PROFILE\0') return false;
    if (marker === 0xee) return false;
    if (marker === 0xe1 && b.toString('latin1', body, body + 6) === 'Exif\0\0') {
      const o = exifOrientation(b, body + 6, body + len - 2);
      if (o !== undefined && o !== 1) return false;
    }
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): the component count follows precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const components = b[body + 5];
      if (components !== 1 && components !== 3) return false;
    }
    i = body + len - 2;
  }
  return false;
}

/** The Orientation tag (0x0112) of IFD0 of the TIFF structure at [start, end), or undefined. */
function exifOrientation(b: Buffer, start: number, end: number): number | undefined {
  if (end - start < 8) return undefined;
  const order = b.toString('latin1', start, start + 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const u16 = (at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return undefined;
  const n = u16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > end) return undefined;
    if (u16(e) === 0x0112) return u16(e + 8);
  }
  return undefined;
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

/** Encodes RGB pixels as JPEG (sharp: Huffman tables optimised, so stored frames are as small as q allows). */
export function encodeJpeg(img: RgbImage, quality = 85): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * Encodes a small RGB patch (a review crop) as JPEG with libjpeg-turbo, 4:2:0, in the calling thread: a crop is a
 * few kilobytes, where sharp's per-image pipeline set-up costs more than the encode (~1-3 ms each).
 */
export function encodeCropJpeg(img: RgbImage, quality = 90): Buffer {
  return jpegTurbo.compressSync(img.data, {
    format: jpegTurbo.FORMAT_RGB,
    width: img.width,
    height: img.height,
    quality,
    subsampling: jpegTurbo.SAMP_420,
  });
}
