/**
 * Image quality from a grey plane: sharpness as the variance of the 4-neighbour Laplacian (Pech-Pacheco et al.
 * 2000, the usual "variance of Laplacian" blur measure) and brightness as mean luma, both on a box-downscaled copy
 * about 480 px wide so the figure does not depend on resolution and costs ~2 ms per 1080p frame in plain JS (sharp's
 * `convolve` needs a copy into libvips and back and was slower per frame; see README).
 */

/** Measured quality of one frame. */
export interface FrameQuality {
  /** Variance of the Laplacian on the ~480 px wide grey image. */
  sharpness: number;
  /** Mean luma on a 0-255 full-range scale. */
  brightness: number;
}

/** Thresholds below which a frame is dropped. */
export interface QualityThresholds {
  minSharpness: number;
  minBrightness: number;
}

/**
 * Calibrated on every frame of the udacity freeway clip, the GoPro MAX clip and a 1080p demo drive (README): real
 * sharp frames score 217-2158 and 2.5-5.6 once blurred with sigma 5; the flattest synthetic demo frame scores 18.5
 * (its sigma-5 copies 1.8-15.7). Daylight frames are 96-144 bright; the same frames darkened to a quarter, 24-35.
 */
export const DEFAULT_QUALITY: QualityThresholds = { minSharpness: 12, minBrightness: 40 };

const TARGET_WIDTH = 480;

/** Quality of a grey plane (`stride` bytes per row; `limitedRange` for video luma 16-235). */
export function greyQuality(
  plane: Uint8Array,
  opts: { width: number; height: number; stride?: number; limitedRange?: boolean },
): FrameQuality {
  const { width, height } = opts;
  const stride = opts.stride ?? width;
  const k = Math.max(1, Math.round(width / TARGET_WIDTH));
  const w = Math.floor(width / k);
  const h = Math.floor(height / k);
  const range = (m: number) => (opts.limitedRange ? ((m - 16) * 255) / 219 : m);
  // Too small to have edges: no sharpness to speak of, brightness still measured.
  if (w < 3 || h < 3) return { sharpness: 0, brightness: range(planeMean(plane, width, height, stride)) };
  const small = new Float32Array(w * h);
  const mean = range(downsample(plane, { stride, height, k, w, h }, small) / (w * h));
  const scale = opts.limitedRange ? 255 / 219 : 1;
  return { sharpness: laplacianVariance(small, w, h) * scale * scale, brightness: Math.max(0, Math.min(255, mean)) };
}

/** Mean of every pixel of the plane. */
function planeMean(plane: Uint8Array, width: number, height: number, stride: number): number {
  let s = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) s += plane[y * stride + x] as number;
  return s / Math.max(1, width * height);
}

/**
 * Box-averages the plane by `k` into `small` (w x h) and returns the sum of `small`. Split by phase only: the loops
 * stay whole inside (one call per frame, or per row on the 1080p path), so splitting costs nothing measurable.
 */
function downsample(
  plane: Uint8Array,
  g: { stride: number; height: number; k: number; w: number; h: number },
  small: Float32Array,
): number {
  const { stride, k, w, h } = g;
  const inv = 1 / (k * k);
  let sum = 0;
  // Box sums are integers, so summing them in any order gives the same figure; only v and sum are floating point.
  const acc = new Int32Array(w);
  const words = k === 4 ? wordView(plane, stride, g.height) : undefined;
  for (let y = 0; y < h; y++) {
    if (words) {
      sum += downsampleRow4(words, (y * 4 * stride) >> 2, stride >> 2, small, y * w, w);
      continue;
    }
    acc.fill(0);
    for (let dy = 0; dy < k; dy++) {
      const row = (y * k + dy) * stride;
      for (let x = 0; x < w; x++) {
        let s = 0;
        const at = row + x * k;
        for (let dx = 0; dx < k; dx++) s += plane[at + dx] as number;
        acc[x] = (acc[x] as number) + s;
      }
    }
    for (let x = 0; x < w; x++) {
      const v = (acc[x] as number) * inv;
      small[y * w + x] = v;
      sum += v;
    }
  }
  return sum;
}

/**
 * One output row at k = 4 (1080p): a 4x4 box is one 32-bit word from each of 4 rows, their bytes summed in two
 * 16-bit lanes (SWAR: each lane at most 8 x 255) and the lanes added once. Returns the row's sum.
 */
function downsampleRow4(words: Uint32Array, r0: number, step: number, small: Float32Array, out: number, w: number) {
  const r1 = r0 + step;
  const r2 = r1 + step;
  const r3 = r2 + step;
  let sum = 0;
  for (let x = 0; x < w; x++) {
    const q0 = words[r0 + x] as number;
    const q1 = words[r1 + x] as number;
    const q2 = words[r2 + x] as number;
    const q3 = words[r3 + x] as number;
    const lanes =
      (q0 & 0x00ff00ff) +
      ((q0 >>> 8) & 0x00ff00ff) +
      (q1 & 0x00ff00ff) +
      ((q1 >>> 8) & 0x00ff00ff) +
      (q2 & 0x00ff00ff) +
      ((q2 >>> 8) & 0x00ff00ff) +
      (q3 & 0x00ff00ff) +
      ((q3 >>> 8) & 0x00ff00ff);
    const v = ((lanes & 0xffff) + (lanes >>> 16)) / 16;
    small[out + x] = v;
    sum += v;
  }
  return sum;
}

/** Variance of the 4-neighbour Laplacian over the interior of a `w` x `h` grey image (the sharpness figure). */
export function laplacianVariance(small: Float32Array, w: number, h: number): number {
  let lsum = 0;
  let lsq = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l =
        (small[i - 1] as number) +
        (small[i + 1] as number) +
        (small[i - w] as number) +
        (small[i + w] as number) -
        4 * (small[i] as number);
      lsum += l;
      lsq += l * l;
    }
  }
  const m = (w - 2) * (h - 2);
  const lmean = lsum / m;
  return lsq / m - lmean * lmean;
}

/** The plane as 32-bit words when its rows start 4-byte aligned (so word x of a row holds pixels 4x..4x+3). */
function wordView(plane: Uint8Array, stride: number, height: number): Uint32Array | undefined {
  if (plane.byteOffset % 4 !== 0 || stride % 4 !== 0) return undefined;
  return new Uint32Array(plane.buffer, plane.byteOffset, Math.min(plane.length, stride * height) >> 2);
}

/** Why a frame fails the thresholds, or undefined when it passes. */
export function qualityVerdict(q: FrameQuality, t: QualityThresholds): 'dark' | 'blurred' | undefined {
  if (q.brightness < t.minBrightness) return 'dark';
  if (q.sharpness < t.minSharpness) return 'blurred';
  return undefined;
}
