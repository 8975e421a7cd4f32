import sharp from 'sharp';
import type { Box, ImageInput } from './types.ts';

/** How model-input pixels map back to the original image: orig = (model - pad) / scale, per axis. */
export interface ImageTransform {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  width: number;
  height: number;
}

/** How a model wants its input. */
export interface PreprocessSpec {
  width: number;
  height: number;
  /** letterbox keeps the aspect ratio and pads (centred); stretch resizes to fill. */
  fit: 'letterbox' | 'stretch';
  layout: 'nhwc' | 'nchw';
  /** value = (pixel * scale - mean) / std, per RGB channel. */
  scale: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Grey level of the letterbox padding (Ultralytics uses 114). */
  padValue?: number;
}

/** A preprocessed image: the model tensor data (one image) and the transform to undo. */
export interface Preprocessed {
  data: Float32Array;
  transform: ImageTransform;
}

/** Decodes (honouring EXIF orientation), resizes/letterboxes and normalises one image for a model. */
export async function preprocess(image: ImageInput, spec: PreprocessSpec): Promise<Preprocessed> {
  const decoded = await sharp(image)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = decoded.info;
  let scaleX = spec.width / width;
  let scaleY = spec.height / height;
  let newW = spec.width;
  let newH = spec.height;
  if (spec.fit === 'letterbox') {
    const s = Math.min(scaleX, scaleY);
    newW = Math.max(1, Math.min(spec.width, Math.round(width * s)));
    newH = Math.max(1, Math.min(spec.height, Math.round(height * s)));
    scaleX = newW / width;
    scaleY = newH / height;
  }
  const padX = Math.floor((spec.width - newW) / 2);
  const padY = Math.floor((spec.height - newH) / 2);
  const pad = spec.padValue ?? 114;
  const pixels = await sharp(decoded.data, { raw: { width, height, channels: 3 } })
    .resize(newW, newH, { fit: 'fill', kernel: 'linear' })
    .extend({
      top: padY,
      bottom: spec.height - newH - padY,
      left: padX,
      right: spec.width - newW - padX,
      background: { r: pad, g: pad, b: pad },
    })
    .raw()
    .toBuffer();
  const n = spec.width * spec.height;
  const data = new Float32Array(n * 3);
  const mean = spec.mean ?? [0, 0, 0];
  const std = spec.std ?? [1, 1, 1];
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = (pixels[i * 3 + ch]! * spec.scale - mean[ch]!) / std[ch]!;
      data[spec.layout === 'nhwc' ? i * 3 + ch : ch * n + i] = v;
    }
  }
  return { data, transform: { scaleX, scaleY, padX, padY, width, height } };
}

/** Maps a box from model-input pixels back to the original image, clipped to it. */
export function toImageBox(b: Box, t: ImageTransform): Box {
  const cx = (x: number) => Math.min(t.width, Math.max(0, (x - t.padX) / t.scaleX));
  const cy = (y: number) => Math.min(t.height, Math.max(0, (y - t.padY) / t.scaleY));
  return { x1: cx(b.x1), y1: cy(b.y1), x2: cx(b.x2), y2: cy(b.y2) };
}
