/**
 * Camera positions smoothed with the vehicle's own motion: GNSS positions carry ~3 m of white noise per fix, while
 * Doppler speed (~0.15 m/s) and course (~2 deg) are far better. Dead reckoning gives the shape of the path; its
 * offset from the GPS positions, averaged over a short window, places it. The slowly varying bias stays (drives
 * average it out); the white noise drops by about the square root of the fixes in the window.
 */
import { localFrame } from '../core/index.ts';

const RAD = Math.PI / 180;

/** A frame position with the motion measured at it. */
export interface MotionFix {
  t: number;
  lat: number;
  lon: number;
  headingDeg: number | null;
  speedMps: number | null;
}

/** Smoothed [lat, lon] per input (sorted by time); positions without speed or heading are returned unchanged. */
export function smoothTrack(fixes: readonly MotionFix[], windowS = 5, maxGapS = 3): Array<[number, number]> {
  const out = fixes.map((p) => [p.lat, p.lon] as [number, number]);
  const first = fixes[0];
  if (!first) return out;
  const f = localFrame(first.lat, first.lon);
  // Runs of frames with motion and no long gap are dead-reckoned together.
  let start = 0;
  for (let i = 1; i <= fixes.length; i++) {
    const a = fixes[i - 1] as MotionFix;
    const b = fixes[i];
    const broken =
      !b ||
      b.speedMps === null ||
      b.headingDeg === null ||
      a.speedMps === null ||
      a.headingDeg === null ||
      b.t - a.t > maxGapS * 1000;
    if (!broken) continue;
    smoothRun(fixes, start, i, f, windowS * 1000, out);
    start = i;
  }
  return out;
}

function smoothRun(
  fixes: readonly MotionFix[],
  from: number,
  to: number,
  f: ReturnType<typeof localFrame>,
  windowMs: number,
  out: Array<[number, number]>,
): void {
  if (to - from < 3) return;
  const n = to - from;
  const drx = new Float64Array(n);
  const dry = new Float64Array(n);
  const gx = new Float64Array(n);
  const gy = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const p = fixes[from + k] as MotionFix;
    [gx[k], gy[k]] = f.toXY(p.lat, p.lon) as [number, number];
    if (k === 0) continue;
    const q = fixes[from + k - 1] as MotionFix;
    const dt = (p.t - q.t) / 1000;
    // Midpoint rule on speed and course (course averaged on the circle).
    const v = ((p.speedMps as number) + (q.speedMps as number)) / 2;
    const h = Math.atan2(
      Math.sin((p.headingDeg as number) * RAD) + Math.sin((q.headingDeg as number) * RAD),
      Math.cos((p.headingDeg as number) * RAD) + Math.cos((q.headingDeg as number) * RAD),
    );
    drx[k] = (drx[k - 1] as number) + v * dt * Math.sin(h);
    dry[k] = (dry[k - 1] as number) + v * dt * Math.cos(h);
  }
  // Sliding window mean of (gps - dead reckoning), two pointers.
  let lo = 0;
  let hi = 0;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    const t = (fixes[from + k] as MotionFix).t;
    while (hi < n && (fixes[from + hi] as MotionFix).t <= t + windowMs) {
      sx += (gx[hi] as number) - (drx[hi] as number);
      sy += (gy[hi] as number) - (dry[hi] as number);
      hi++;
    }
    while ((fixes[from + lo] as MotionFix).t < t - windowMs) {
      sx -= (gx[lo] as number) - (drx[lo] as number);
      sy -= (gy[lo] as number) - (dry[lo] as number);
      lo++;
    }
    const m = hi - lo;
    out[from + k] = f.toLatLon((drx[k] as number) + sx / m, (dry[k] as number) + sy / m);
  }
}
