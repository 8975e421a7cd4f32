import { bearingOf, headingDelta } from '../core/index.ts';
import { type Arc, arriveBearing, leaveBearing, nextArcs, type RoadGraph } from './drive-graph.ts';
import type { PlacedControl } from './place-objects.ts';
import type { Rng } from './prng.ts';

/** How long a drive is and where it starts. */
export interface RouteOptions {
  /** Drive duration in seconds (default 60 when neither this nor lengthM is given). */
  durationS?: number;
  /** Drive length in metres; the car parks at the end. Takes precedence over durationS. */
  lengthM?: number;
  /**
   * Where to start: anywhere, or 60 m before a stop sign / traffic light so the first seconds of video show one
   * (handy for demos and for vision tests with a short clip). Default 'random'.
   */
  start?: 'random' | 'stop-sign' | 'traffic-light';
  /**
   * A seed of the route's own (default: the drive's seed): other routes through the same town, with the same GPS
   * noise and camera streams, e.g. several contributors' drives in one imported road network.
   */
  seed?: number;
}

/** A controlled approach met along the route. */
export interface RouteControl {
  control: PlacedControl;
  /** Route distance where the car's GPS antenna is when the car waits at the stop line. */
  stopS: number;
}

/** The true route: arcs walked, their joined centreline, and where the car must slow or stop. */
export interface Route {
  arcs: Arc[];
  /** Route distance at which each arc begins. */
  arcStartS: number[];
  pts: Array<[number, number]>;
  /** Cumulative distance at each point of `pts`. */
  cum: number[];
  /** Distance along the route where the drive begins and ends. */
  startS: number;
  endS: number;
  /** The car parks at endS (length mode) or is still driving when recording stops (duration mode). */
  endsStopped: boolean;
  controls: RouteControl[];
  /** Speed cap per arc in m/s: the posted limit times a per-street driver factor. */
  arcSpeed: number[];
  /** Speed caps in m/s at corners (junction turns and bends), at route distance s. */
  corners: Array<{ s: number; v: number }>;
}

/** The fastest the generator ever drives (50 km/h): bounds how far a drive of given duration can go. */
export const MAX_SPEED_MS = 50 / 3.6;

/** Lateral acceleration drivers accept in town turns, m/s^2. */
const LATERAL_ACCEL = 2.5;

/**
 * Random walk over the network without U-turns and without entering dead ends, preferring to go straight on
 * (weights 3 straight, 1.5 right, 1 left: right-hand traffic turns right more easily).
 */
export function walkRoute(rng: Rng, g: RoadGraph, controls: Map<string, PlacedControl>, opts: RouteOptions): Route {
  const durationS = opts.durationS ?? 60;
  const startKind = opts.start ?? 'random';
  const usable = g.arcs.filter((a) => !a.edge.deadEnd);
  let first: Arc;
  let startS = 0;
  if (startKind === 'random') {
    first = rng.pick(usable);
  } else {
    const kind = startKind === 'stop-sign' ? 'stop' : 'signal';
    const candidates = [...controls.values()].filter((c) => c.kind === kind).map((c) => c.arc);
    if (candidates.length === 0) first = rng.pick(usable);
    else {
      first = rng.pick(candidates);
      const c = controls.get(first.key) as PlacedControl;
      startS = Math.max(0, first.length - c.stopLineM - 60);
    }
  }
  const target = startS + (opts.lengthM ?? MAX_SPEED_MS * durationS + 50);
  const arcs = [first];
  let length = first.length;
  while (length < target) {
    const cur = arcs[arcs.length - 1] as Arc;
    const options = nextArcs(g, cur);
    // The network is checked to be strongly connected without U-turns, so this fallback is only a guard.
    const choices = options.length > 0 ? options : (g.out.get(cur.to) ?? []);
    const weights = choices.map((a) => {
      const turn = headingDelta(leaveBearing(a), arriveBearing(cur));
      return Math.abs(turn) < 30 ? 3 : turn > 0 ? 1.5 : 1;
    });
    const next = choices[rng.weighted(weights)] as Arc;
    arcs.push(next);
    length += next.length;
  }
  return assembleRoute(rng, arcs, controls, {
    startS,
    endS: opts.lengthM !== undefined ? target : length,
    endsStopped: opts.lengthM !== undefined,
  });
}

function assembleRoute(
  rng: Rng,
  arcs: Arc[],
  controls: Map<string, PlacedControl>,
  ends: { startS: number; endS: number; endsStopped: boolean },
): Route {
  const pts: Array<[number, number]> = [];
  const cum: number[] = [];
  const arcStartS: number[] = [];
  const arcSpeed: number[] = [];
  const routeControls: RouteControl[] = [];
  let s = 0;
  for (const arc of arcs) {
    arcStartS.push(s);
    // Drivers keep 90-100% of the limit, one factor per street stretch.
    arcSpeed.push((arc.edge.maxspeedKmh / 3.6) * rng.uniform(0.9, 1.0));
    arc.pts.forEach((p, k) => {
      if (k === 0 && pts.length > 0) return;
      if (k > 0) {
        const q = arc.pts[k - 1] as [number, number];
        s += Math.hypot(p[0] - q[0], p[1] - q[1]);
      }
      pts.push([p[0], p[1]]);
      cum.push(s);
    });
    const c = controls.get(arc.key);
    // The GPS antenna sits about 2 m behind the bumper, which stops about 1 m before the line.
    if (c) routeControls.push({ control: c, stopS: s - c.stopLineM - 3 });
  }
  const corners: Array<{ s: number; v: number }> = [];
  for (let k = 1; k + 1 < pts.length; k++) {
    const [a, b, c] = [pts[k - 1], pts[k], pts[k + 1]] as [[number, number], [number, number], [number, number]];
    const turn = Math.abs(headingDelta(bearingOf(c[0] - b[0], c[1] - b[1]), bearingOf(b[0] - a[0], b[1] - a[1])));
    if (turn < 10) continue;
    // A turn of angle theta taken on a kerb-hugging arc of about 8 m corner radius: R = 8 / tan(theta / 2).
    const radius = 8 / Math.tan(((turn / 2) * Math.PI) / 180);
    corners.push({ s: cum[k] as number, v: Math.max(2.5, Math.sqrt(LATERAL_ACCEL * radius)) });
  }
  return {
    arcs,
    arcStartS,
    pts,
    cum,
    ...ends,
    controls: routeControls.filter((c) => c.stopS > ends.startS + 5 && c.stopS < ends.endS),
    arcSpeed,
    corners,
  };
}

/** Index of the arc that contains route distance `s`. */
export function arcIndexAt(route: Route, s: number): number {
  let lo = 0;
  let hi = route.arcStartS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((route.arcStartS[mid] as number) <= s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Centreline point and unit direction at route distance `s`. */
export function routePoint(route: Route, s: number): { x: number; y: number; dx: number; dy: number } {
  const { pts, cum } = route;
  let lo = 0;
  let hi = cum.length - 1;
  const sc = Math.max(0, Math.min(s, cum[hi] as number));
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] as number) <= sc) lo = mid;
    else hi = mid;
  }
  const p = pts[lo] as [number, number];
  const q = pts[hi] as [number, number];
  const len = (cum[hi] as number) - (cum[lo] as number) || 1;
  const f = (sc - (cum[lo] as number)) / len;
  return { x: p[0] + (q[0] - p[0]) * f, y: p[1] + (q[1] - p[1]) * f, dx: (q[0] - p[0]) / len, dy: (q[1] - p[1]) / len };
}
