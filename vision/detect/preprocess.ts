import { decodeRgb, resizeRgb } from '../image/raw-image.ts';
import type { Box, ImageInput, RgbImage } from '../types.ts';

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

/**
 * Resizes/letterboxes and normalises one image for a model. Encoded inputs are decoded first (honouring EXIF
 * orientation); decoded pixels are used as they are, so a frame decoded once by the pipeline is not decoded again.
 * The resized pixels are written straight into the tensor at the letterbox offset (no padded copy).
 */
export async function preprocess(image: ImageInput, spec: PreprocessSpec): Promise<Preprocessed> {
  const src = await decodeRgb(image);
  const { width, height } = src;
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
  const pixels = await resizeRgb(src, newW, newH);
  const data = toTensor(pixels, spec, padX, padY);
  return { data, transform: { scaleX, scaleY, padX, padY, width, height } };
}

/** Normalises pixels into a spec-sized tensor at (padX, padY); the rest is the normalised padding grey. */
function toTensor(px: RgbImage, spec: PreprocessSpec, padX: number, padY: number): Float32Array {
  const n = spec.width * spec.height;
  const data = new Float32Array(n * 3);
  const mean = spec.mean ?? [0, 0, 0];
  const std = spec.std ?? [1, 1, 1];
  const pad = spec.padValue ?? 114;
  const norm = [0, 1, 2].map((c) => [spec.scale / std[c]!, -mean[c]! / std[c]!] as const);
  const nhwc = spec.layout === 'nhwc';
  const padded = padX > 0 || padY > 0 || px.width < spec.width || px.height < spec.height;
  if (padded) {
    for (let c = 0; c < 3; c++) {
      const v = pad * norm[c]![0] + norm[c]![1];
      if (v === 0) continue;
      if (nhwc) for (let i = c; i < n * 3; i += 3) data[i] = v;
      else data.fill(v, c * n, (c + 1) * n);
    }
  }
  const identity = norm.every(([k, b]) => k === 1 && b === 0);
  const rowLen = px.width * 3;
  for (let y = 0; y < px.height; y++) {
    const srcRow = y * rowLen;
    const dstPix = (y + padY) * spec.width + padX;
    if (nhwc && identity) {
      // CenterNet takes 0-255 NHWC: a typed-array copy converts the bytes natively.
      data.set(px.data.subarray(srcRow, srcRow + rowLen), dstPix * 3);
      continue;
    }
    for (let x = 0; x < px.width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = px.data[srcRow + x * 3 + c]! * norm[c]![0] + norm[c]![1];
        data[nhwc ? (dstPix + x) * 3 + c : c * n + dstPix + x] = v;
      }
    }
  }
  return data;
}

/** Maps a box from model-input pixels back to the original image, clipped to it. */
export function toImageBox(b: Box, t: ImageTransform): Box {
  const cx = (x: number) => Math.min(t.width, Math.max(0, (x - t.padX) / t.scaleX));
  const cy = (y: number) => Math.min(t.height, Math.max(0, (y - t.padY) / t.scaleY));
  return { x1: cx(b.x1), y1: cy(b.y1), x2: cx(b.x2), y2: cy(b.y2) };
}
