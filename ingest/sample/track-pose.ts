/**
 * Pose of the vehicle at any instant from a GPS track: position linear in time between fixes, heading from the
 * fixes' course (interpolated the short way round 0/360) or else the bearing of the segment, speed interpolated,
 * and distance travelled. Distance integrates the fixes' speed when the track has it (GNSS Doppler speed is good to
 * ~0.1 m/s, while summing 3 m-noisy positions inflates the length and keeps growing while parked); otherwise it sums
 * chords between fixes.
 */

import type { Track, TrackPoint } from '../../core/index.ts';
import { bearing, haversine, headingDelta } from '../../core/index.ts';

/** The interpolated state at one instant. */
export interface Pose {
  t: number;
  lat: number;
  lon: number;
  headingDeg: number | undefined;
  speedMps: number;
  /** Distance travelled since the first fix, metres. */
  distanceM: number;
}

/** A track prepared for fast, mostly sequential pose look-ups. */
export class TrackPoses {
  readonly points: TrackPoint[];
  private readonly dist: Float64Array;
  private readonly bySpeed: boolean;
  private cursor = 0;

  constructor(track: Track) {
    const sorted = [...track.points].filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
    this.points = sorted.filter((p, i) => i === 0 || p.t > (sorted[i - 1] as TrackPoint).t);
    this.bySpeed =
      this.points.length > 0 && this.points.every((p) => p.speed !== undefined && Number.isFinite(p.speed));
    this.dist = new Float64Array(this.points.length);
    for (let i = 1; i < this.points.length; i++) {
      const a = this.points[i - 1] as TrackPoint;
      const b = this.points[i] as TrackPoint;
      const step = this.bySpeed
        ? (((a.speed as number) + (b.speed as number)) / 2) * ((b.t - a.t) / 1000)
        : haversine(a.lat, a.lon, b.lat, b.lon);
      this.dist[i] = (this.dist[i - 1] as number) + step;
    }
  }

  /** First and last fix time (Unix ms). */
  get span(): [number, number] {
    return [this.points[0]?.t ?? Number.NaN, this.points[this.points.length - 1]?.t ?? Number.NaN];
  }

  /** The pose at Unix ms `t`, or undefined outside the track's time span. */
  at(t: number): Pose | undefined {
    const pts = this.points;
    const n = pts.length;
    if (n === 0 || t < (pts[0] as TrackPoint).t || t > (pts[n - 1] as TrackPoint).t) return undefined;
    if (n === 1) {
      const p = pts[0] as TrackPoint;
      return { t, lat: p.lat, lon: p.lon, headingDeg: p.heading, speedMps: p.speed ?? 0, distanceM: 0 };
    }
    let i = Math.min(this.cursor, n - 2);
    if ((pts[i] as TrackPoint).t > t) i = 0;
    while (i < n - 2 && (pts[i + 1] as TrackPoint).t < t) i++;
    this.cursor = i;
    const a = pts[i] as TrackPoint;
    const b = pts[i + 1] as TrackPoint;
    const dt = (b.t - a.t) / 1000;
    const f = (t - a.t) / (b.t - a.t);
    const chord = haversine(a.lat, a.lon, b.lat, b.lon);
    const vA = a.speed ?? chord / dt;
    const vB = b.speed ?? chord / dt;
    const speedMps = vA + f * (vB - vA);
    const d0 = this.dist[i] as number;
    const distanceM = this.bySpeed ? d0 + ((vA + speedMps) / 2) * f * dt : d0 + f * chord;
    let headingDeg: number | undefined;
    if (a.heading !== undefined && b.heading !== undefined) {
      headingDeg = (a.heading + f * headingDelta(b.heading, a.heading) + 360) % 360;
    } else if (chord > 1) headingDeg = bearing(a.lat, a.lon, b.lat, b.lon);
    return { t, lat: a.lat + f * (b.lat - a.lat), lon: a.lon + f * (b.lon - a.lon), headingDeg, speedMps, distanceM };
  }
}
