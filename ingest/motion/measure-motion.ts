/**
 * The video's own motion, frame pair by frame pair, from a small grey copy decoded by ffmpeg (the Y plane of a
 * ~200 px wide yuv420p frame, the in-loop filter skipped): a forward-speed proxy, a yaw-rate proxy and how much of
 * the image could be tracked. Up to scale: without the camera's height and focal length the speed proxy is in
 * "image per second" units, which the aligner fits with a free scale.
 *
 * Forward speed: divergence from the focus of expansion. Forward motion T moves a point at distance r from the focus
 * outward by r T / Z per second (Z its depth), so each block gives s = (flow . r) / |r|^2 = T / Z after the rotation
 * is removed; the median over the image is T / Z_median. The scene's depth changes along a street (open squares,
 * parked cars), so the proxy follows speed within some 20-30 % (measured on KITTI, README.md), which the aligner's
 * free scale and the correlation over many seconds absorb.
 * Yaw: a rotation about the vertical axis shifts the whole image sideways by about f * omega, while forward motion
 * moves each block along the ray from the focus of expansion; removing the part of the horizontal flow that the
 * block's vertical flow implies leaves the rotation, u - v (x - x0) / (y - y0); its median is the yaw proxy.
 * Samples where too few blocks could be matched are NaN (unknown), not 0 (still).
 */
import { decodeFrames, outputSize, type VideoProbe } from '../video/index.ts';
import { BlockFlow, type FlowField } from './block-flow.ts';

/** One motion sample, between two consecutive decoded frames. */
export interface MotionSample {
  /** Media time of the pair's midpoint, seconds. */
  t: number;
  /** Forward-speed proxy T / Z (1/s, up to the scene's depth); 0 when nothing moves, NaN when unmeasurable. */
  speed: number;
  /** Yaw-rate proxy: sideways image motion of the rotation, pixels per second (positive: image moves right), or NaN. */
  yaw: number;
  /** Median flow magnitude, pixels per second at the analysed width (stillness test). */
  flow: number;
  /** Fraction of the grid's blocks with texture enough to match, [0, 1]. */
  tracked: number;
  /** Mean grey level of the pair's second frame, 0-255 (limited-range black is 16). */
  luma: number;
}

/** The video's motion profile. */
export interface MotionProfile {
  samples: MotionSample[];
  /** Analysed frame size. */
  width: number;
  height: number;
  /** Frames decoded. */
  frames: number;
}

/** Target size of the grey copy: ~200 px wide, at least ~100 rows for very wide frames (KITTI's 3.3:1). */
export function motionWidth(probe: VideoProbe): number {
  const aspect = probe.displayWidth / Math.max(1, probe.displayHeight);
  return Math.min(probe.displayWidth, Math.max(192, Math.round(104 * aspect)));
}

/** Motion samples per second aimed for: enough for 33 ms alignment after interpolation, cheap on 60 fps video. */
const TARGET_RATE_HZ = 15;

/** Median of the first `n` values of `a` (reorders them). */
export function medianOf(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const s = a.subarray(0, n).sort();
  return n % 2 ? (s[n >> 1] as number) : ((s[(n >> 1) - 1] as number) + (s[n >> 1] as number)) / 2;
}

/** Scratch arrays of {@link motionOfPair}, sized for the grid. */
interface Scratch {
  a: Float64Array;
  b: Float64Array;
}

/** Speed and yaw proxies of one flow field; `dt` in seconds, horizon row `y0` and centre column `x0` in pixels. */
export function motionOfPair(
  f: FlowField,
  dims: { width: number; height: number; x0: number; y0: number },
  dt: number,
  scratch: Scratch,
): Omit<MotionSample, 't' | 'luma'> {
  const { height, x0, y0 } = dims;
  const tracked = f.blocks > 0 ? f.count / f.blocks : 0;
  let nm = 0;
  for (let i = 0; i < f.count; i++) scratch.a[nm++] = Math.hypot(f.u[i] as number, f.v[i] as number);
  const flow = medianOf(scratch.a, nm) / dt;
  // Blocks near the horizon row say little about either: their flow from forward motion is small and ill-conditioned.
  const minDy = Math.max(4, (height - y0) * 0.25);
  let ny = 0;
  for (let i = 0; i < f.count; i++) {
    const dy = (f.y[i] as number) - y0;
    if (Math.abs(dy) > minDy)
      scratch.b[ny++] = (f.u[i] as number) - ((f.v[i] as number) * ((f.x[i] as number) - x0)) / dy;
  }
  const yaw = ny >= 3 ? medianOf(scratch.b, ny) / dt : Number.NaN;
  let nd = 0;
  for (let i = 0; i < f.count; i++) {
    const dx = (f.x[i] as number) - x0;
    const dy = (f.y[i] as number) - y0;
    const r2 = dx * dx + dy * dy;
    if (r2 < minDy * minDy) continue;
    scratch.a[nd++] = (dx * ((f.u[i] as number) - (ny >= 3 ? yaw * dt : 0)) + dy * (f.v[i] as number)) / r2;
  }
  return {
    speed: nd >= 3 ? medianOf(scratch.a, nd) / dt : Number.NaN,
    yaw,
    flow,
    tracked,
  };
}

/** Options of {@link measureMotion}. */
export interface MeasureOptions {
  /** Horizon row as a fraction of the height (0 top); default 0.5 (a camera looking level). */
  horizon?: number;
}

/**
 * Decodes the video once into a small grey copy and measures its motion pair by pair (every frame is decoded; pairs
 * are taken at about 15 per second).
 */
export async function measureMotion(probe: VideoProbe, opts: MeasureOptions = {}): Promise<MotionProfile> {
  const size = outputSize(probe, motionWidth(probe));
  const { width, height } = size;
  const flow = new BlockFlow(width, height);
  const dims = { width, height, x0: width / 2, y0: height * (opts.horizon ?? 0.5) };
  const stride = Math.max(1, Math.floor(probe.fps / TARGET_RATE_HZ));
  const prev = new Uint8Array(width * height);
  let prevT: number | undefined;
  let frames = 0;
  const scratch: Scratch = {
    a: new Float64Array(flow.width * flow.height),
    b: new Float64Array(flow.width * flow.height),
  };
  const samples: MotionSample[] = [];
  for await (const fr of decodeFrames({ probe, maxWidth: width, skipLoopFilter: true })) {
    frames++;
    const grey = fr.data.subarray(0, width * height);
    if (prevT !== undefined && fr.ptsS > prevT) {
      const field = flow.flow(prev, grey);
      const luma = meanLuma(grey);
      samples.push({ t: (prevT + fr.ptsS) / 2, luma, ...motionOfPair(field, dims, fr.ptsS - prevT, scratch) });
    }
    // Keep this frame as the next pair's first only on the stride: the pairs stay consecutive frames.
    if ((fr.n + 1) % stride === 0 || stride === 1) {
      prev.set(grey);
      prevT = fr.ptsS;
    } else prevT = undefined;
  }
  return { samples: smoothSamples(samples), width, height, frames };
}

/** Mean of every 7th grey value. */
function meanLuma(grey: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < grey.length; i += 7, n++) s += grey[i] as number;
  return n > 0 ? s / n : 0;
}

/** Moving-median half-width, samples: ~0.3 s at 15 Hz removes single mismatched pairs, keeps a stop's edges. */
const SMOOTH_HALF = 4;

/** Speed and yaw through a moving median that skips unknown (NaN) samples. */
export function smoothSamples(samples: MotionSample[]): MotionSample[] {
  const buf = new Float64Array(2 * SMOOTH_HALF + 1);
  const med = (k: number, get: (s: MotionSample) => number): number => {
    let n = 0;
    for (let j = Math.max(0, k - SMOOTH_HALF); j <= Math.min(samples.length - 1, k + SMOOTH_HALF); j++) {
      const v = get(samples[j] as MotionSample);
      if (!Number.isNaN(v)) buf[n++] = v;
    }
    return n * 2 > Math.min(samples.length, buf.length) ? medianOf(buf, n) : Number.NaN;
  };
  return samples.map((s, k) => ({ ...s, speed: med(k, (x) => x.speed), yaw: med(k, (x) => x.yaw) }));
}
