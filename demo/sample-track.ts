import { bearingOf, type LocalFrame } from '../core/index.ts';
import { arcIndexAt, type Route, routePoint } from './drive-route.ts';
import type { Rng } from './prng.ts';
import { type Profile, stateAt } from './speed-profile.ts';
import type { FramePose, TrueSample } from './types.ts';

/** GPS antenna on the roof, metres above the road. */
export const ANTENNA_HEIGHT_M = 1.5;

/** Ground elevation in metres above sea level: Zurich's 408 m with a gentle tilt and a long swell. */
export function groundElevation(x: number, y: number): number {
  return 408 + 0.012 * x - 0.008 * y + 1.5 * Math.sin(x / 150) * Math.cos(y / 190);
}

/** Where the car drives at route distance s: the middle of the right lane (the middle of a oneway street). */
function lanePoint(route: Route, s: number): [number, number] {
  const p = routePoint(route, s);
  const edge = route.arcs[arcIndexAt(route, s)]?.edge;
  const offset = edge && !edge.oneway ? edge.widthM / 4 : 0;
  return [p.x + p.dy * offset, p.y - p.dx * offset];
}

/** The lane line averaged over +-4 m: rounds the polyline's corners into a drivable curve. */
function smoothPoint(route: Route, s: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let k = -4; k <= 4; k++) {
    const p = lanePoint(route, Math.max(0, Math.min(route.cum[route.cum.length - 1] as number, s + k)));
    x += p[0];
    y += p[1];
  }
  return [x / 9, y / 9];
}

/** The true vehicle state at `tS` seconds into the drive. */
export function truePoseAt(
  route: Route,
  profile: Profile,
  tS: number,
): { x: number; y: number; heading: number; speed: number; s: number } {
  const { s, v } = stateAt(profile, tS);
  const [x, y] = smoothPoint(route, s);
  const a = smoothPoint(route, s - 1.5);
  const b = smoothPoint(route, s + 1.5);
  return { x, y, heading: bearingOf(b[0] - a[0], b[1] - a[1]), speed: Math.max(0, v), s };
}

/** Options for sampling the true track. */
export interface SampleOptions {
  startMs: number;
  durationS: number;
  rateHz: number;
}

/** The true antenna track at a fixed rate from the drive start to `durationS` inclusive. */
export function sampleTrueTrack(route: Route, profile: Profile, frame: LocalFrame, opts: SampleOptions): TrueSample[] {
  const out: TrueSample[] = [];
  const n = Math.floor(opts.durationS * opts.rateHz + 1e-9);
  for (let k = 0; k <= n; k++) {
    const tS = k / opts.rateHz;
    const p = truePoseAt(route, profile, tS);
    const [lat, lon] = frame.toLatLon(p.x, p.y);
    out.push({
      t: opts.startMs + Math.round(tS * 1000),
      lat,
      lon,
      alt: groundElevation(p.x, p.y) + ANTENNA_HEIGHT_M,
      x: p.x,
      y: p.y,
      speed: p.speed,
      heading: p.heading,
      s: p.s,
    });
  }
  return out;
}

/** How the dashcam sits in the car. */
export interface MountOptions {
  startMs: number;
  fps: number;
  frameCount: number;
  /** Camera yaw relative to the car's heading, degrees (positive: to the right). */
  mountYawDeg: number;
  /** Camera height above the road, metres (behind the windscreen). */
  heightM: number;
}

/**
 * The true camera pose of every frame: the true position and heading at the frame time, plus a little yaw and
 * pitch jitter from the suspension (first-order Gauss-Markov, sigma 0.3 deg yaw and 0.25 deg pitch, 0.5 s).
 */
export function framePoses(
  route: Route,
  profile: Profile,
  frame: LocalFrame,
  rng: Rng,
  opts: MountOptions,
): FramePose[] {
  const poses: FramePose[] = [];
  const dt = 1 / opts.fps;
  const phi = Math.exp(-dt / 0.5);
  const q = Math.sqrt(1 - phi * phi);
  let yawJitter = rng.normal(0.3);
  let pitchJitter = rng.normal(0.25);
  for (let i = 0; i < opts.frameCount; i++) {
    const tS = i * dt;
    const p = truePoseAt(route, profile, tS);
    const [lat, lon] = frame.toLatLon(p.x, p.y);
    poses.push({
      index: i,
      t: opts.startMs + Math.round(tS * 1000),
      lat,
      lon,
      x: p.x,
      y: p.y,
      alt: groundElevation(p.x, p.y) + opts.heightM,
      heightAboveGround: opts.heightM,
      heading: p.heading,
      yaw: (p.heading + opts.mountYawDeg + yawJitter + 360) % 360,
      pitch: pitchJitter,
    });
    yawJitter = phi * yawJitter + q * rng.normal(0.3);
    pitchJitter = phi * pitchJitter + q * rng.normal(0.25);
  }
  return poses;
}
