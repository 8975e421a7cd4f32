/**
 * The track's side of the comparison: ground speed (m/s) and turn rate (degrees per second, clockwise positive, the
 * heading's own sense) on a regular grid, so the aligner can read them at any time by linear interpolation.
 * Speed and course come from the fixes' own fields where the source gives them for every fix (Doppler speed and
 * course are far less noisy than differences of positions), else from positions a second apart (a fix-to-fix
 * bearing at 10 Hz is mostly GPS noise). The course is not trusted below 2 m/s, where it wanders.
 */
import { bearing, haversine, type Track } from '../../core/index.ts';

/** Grid step of the profile, seconds. */
export const PROFILE_STEP_S = 0.05;

/** Speed and turn rate of a track on a regular grid starting at `startMs`. */
export interface TrackProfile {
  startMs: number;
  stepS: number;
  speed: Float64Array;
  turn: Float64Array;
}

/** Below this speed (m/s) the course is noise: the turn rate is taken as 0. */
const MIN_COURSE_SPEED = 2;
/** Half-window for course and speed differences, seconds. */
const HALF_WINDOW_S = 0.5;

/** Index of the last fix at or before `t` (fixes sorted by time), by bisection. */
function fixBefore(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  if (t <= (ts[0] as number)) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((ts[mid] as number) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Position at time `t` (ms) by linear interpolation between fixes. */
function positionAt(track: Track, ts: Float64Array, t: number): { lat: number; lon: number } {
  const i = fixBefore(ts, t);
  const a = track.points[i]!;
  const b = track.points[Math.min(i + 1, track.points.length - 1)]!;
  const span = b.t - a.t;
  const f = span > 0 ? Math.max(0, Math.min(1, (t - a.t) / span)) : 0;
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

/** Linear interpolation of a fix field at time `t` (ms). */
function fieldAt(track: Track, ts: Float64Array, t: number, get: (i: number) => number): number {
  const i = fixBefore(ts, t);
  const j = Math.min(i + 1, track.points.length - 1);
  const span = (ts[j] as number) - (ts[i] as number);
  const f = span > 0 ? Math.max(0, Math.min(1, (t - (ts[i] as number)) / span)) : 0;
  return get(i) + (get(j) - get(i)) * f;
}

/** Samples the track's speed and turn rate every {@link PROFILE_STEP_S} from its first to its last fix. */
export function trackProfile(track: Track): TrackProfile {
  const pts = track.points;
  const ts = Float64Array.from(pts, (p) => p.t);
  const startMs = pts[0]?.t ?? 0;
  const spanS = pts.length > 1 ? ((pts[pts.length - 1]?.t ?? 0) - startMs) / 1000 : 0;
  const n = Math.max(0, Math.floor(spanS / PROFILE_STEP_S) + 1);
  const speed = new Float64Array(n);
  const course = new Float64Array(n).fill(Number.NaN);
  const ownSpeed = pts.length > 0 && pts.every((p) => p.speed !== undefined && Number.isFinite(p.speed));
  const ownCourse = pts.length > 0 && pts.every((p) => p.heading !== undefined && Number.isFinite(p.heading));
  const h = HALF_WINDOW_S * 1000;
  for (let k = 0; k < n; k++) {
    const t = startMs + k * PROFILE_STEP_S * 1000;
    const a = positionAt(track, ts, Math.max(startMs, t - h));
    const b = positionAt(track, ts, t + h);
    const dtS = (Math.min(startMs + spanS * 1000, t + h) - Math.max(startMs, t - h)) / 1000;
    const d = haversine(a.lat, a.lon, b.lat, b.lon);
    speed[k] = ownSpeed ? fieldAt(track, ts, t, (i) => pts[i]!.speed as number) : dtS > 0 ? d / dtS : 0;
    if (!(speed[k]! >= MIN_COURSE_SPEED)) continue;
    if (ownCourse) {
      // Interpolated across the wrap at north: taking the fix before would lag by half a fix interval on average.
      const c0 = pts[fixBefore(ts, t)]!.heading as number;
      const delta = fieldAt(track, ts, t, (i) => (((pts[i]!.heading as number) - c0 + 540) % 360) - 180);
      course[k] = (c0 + delta + 360) % 360;
    } else if (dtS > 0 && d / dtS >= MIN_COURSE_SPEED) course[k] = bearing(a.lat, a.lon, b.lat, b.lon);
  }
  const turn = new Float64Array(n);
  const w = Math.max(1, Math.round(HALF_WINDOW_S / PROFILE_STEP_S));
  for (let k = 0; k < n; k++) {
    const c0 = course[Math.max(0, k - w)] as number;
    const c1 = course[Math.min(n - 1, k + w)] as number;
    const dt = (Math.min(n - 1, k + w) - Math.max(0, k - w)) * PROFILE_STEP_S;
    if (Number.isNaN(c0) || Number.isNaN(c1) || dt <= 0) continue;
    turn[k] = (((c1 - c0 + 540) % 360) - 180) / dt;
  }
  return { startMs, stepS: PROFILE_STEP_S, speed, turn };
}

/** Value of a profile channel at Unix time `ms`, or NaN outside the track. */
export function profileAt(p: TrackProfile, channel: Float64Array, ms: number): number {
  const x = (ms - p.startMs) / 1000 / p.stepS;
  if (!(x >= 0) || x > channel.length - 1) return Number.NaN;
  const i = Math.floor(x);
  const f = x - i;
  const a = channel[i] as number;
  return f > 0 ? a + ((channel[i + 1] as number) - a) * f : a;
}
