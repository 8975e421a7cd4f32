/**
 * The generated drives the attack scenarios are made of: one town (seed 5, 20 x 4 streets, 2.5 km east-west), the
 * honest drive through it with a rendered video, and other routes through the same town as tracks only (a route
 * seed of their own, the same clock). Small and fast: 25 s at 5 Hz GPS, 320x180 video at 10 fps.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { haversine } from '../../../core/index.ts';
import type { TrackPoint } from '../../../core/track.ts';
import {
  type DemoPlan,
  generateDrive,
  type PlanOptions,
  planDrive,
  type RouteOptions,
  toGpx,
} from '../../../demo/index.ts';

/** The town and clock every drive shares, so their roads are the ones imported and their times overlap. */
const TOWN: PlanOptions = {
  seed: 5,
  network: { cols: 20, rows: 4 },
  gps: { rateHz: 5 },
};
const DURATION_S = 25;

/** A track written to a file, with its points for the scenarios that alter it. */
export interface TrackFile {
  file: string;
  points: TrackPoint[];
}

/** What the scenarios start from. */
export interface SuiteDrives {
  dir: string;
  /** The town's roads (OSM PBF) to import into each scenario's database. */
  pbf: string;
  /** The honest drive: its own video and its own track. */
  honest: { video: string; track: TrackFile; startMs: number; durationS: number };
  /** Another route through the town at the same time (never within 60 m of the honest car), with its video. */
  foreign: TrackFile & { video: string };
  /** A third route, the attacker's made-up GPX (realistic noise, real streets). */
  synthetic: TrackFile;
  /** A route more than 1.2 km from the honest one at every shared moment (another place, same time), with video. */
  far: TrackFile & { video: string };
  /** The plan of the honest drive (town network, truth) for the spatial shift. */
  plan: DemoPlan;
}

/** The noisy fixes of a plan as track points (without the generator's error terms). */
function pointsOf(plan: DemoPlan): TrackPoint[] {
  return plan.fixes.map(({ errorEast: _e, errorNorth: _n, errorUp: _u, ...p }) => p);
}

/** Writes points as GPX 1.1 (the demo generator's writer) and returns the file with them. */
export async function writeGpx(file: string, points: TrackPoint[]): Promise<TrackFile> {
  await writeFile(file, toGpx(points, { name: path.basename(file, '.gpx') }));
  return { file, points };
}

/** Median distance between two tracks at the honest drive's fix times (both share the clock and rate). */
function medianApartM(a: TrackPoint[], b: TrackPoint[]): number {
  const d: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) d.push(haversine(a[i]!.lat, a[i]!.lon, b[i]!.lat, b[i]!.lon));
  d.sort((x, y) => x - y);
  return d[d.length >> 1] ?? 0;
}

/** The smallest distance between two tracks at the same fix index. */
function closestApartM(a: TrackPoint[], b: TrackPoint[]): number {
  let min = Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    min = Math.min(min, haversine(a[i]!.lat, a[i]!.lon, b[i]!.lat, b[i]!.lon));
  return min;
}

/** The first route seed from `from` whose track satisfies `ok` against the honest one (deterministic search). */
function routeWhere(from: number, ok: (points: TrackPoint[]) => boolean): { seed: number; points: TrackPoint[] } {
  for (let seed = from; seed < from + 500; seed++) {
    const points = pointsOf(planDrive({ ...TOWN, route: { durationS: DURATION_S, seed }, video: false }));
    if (ok(points)) return { seed, points };
  }
  throw new Error(`no route seed in ${from}..${from + 499} fits the scenario`);
}

const VIDEO = { width: 320, height: 180, fps: 10 };

/** Renders the drive of a route (video and GPX) into `dir`/`name`. */
async function rendered(dir: string, name: string, route: RouteOptions): Promise<TrackFile & { video: string }> {
  const demo = await generateDrive({ ...TOWN, outDir: path.join(dir, name), pbf: false, route, video: VIDEO });
  const plan = planDrive({ ...TOWN, route, video: false });
  return { file: demo.paths.gpx, points: pointsOf(plan), video: demo.paths.video! };
}

/** Generates the drives into `dir` (about five seconds: three 25 s videos at 320x180). */
export async function makeSuiteDrives(dir: string): Promise<SuiteDrives> {
  const route = { durationS: DURATION_S, start: 'stop-sign' as const };
  const demo = await generateDrive({ ...TOWN, outDir: path.join(dir, 'honest'), route, video: VIDEO });
  const plan = planDrive({ ...TOWN, route, video: false });
  const honest = pointsOf(plan);
  // Another street: never closer than 60 m to where the honest car is at that moment.
  const foreign = routeWhere(1, (p) => closestApartM(p, honest) > 60);
  const synthetic = routeWhere(foreign.seed + 1, (p) => closestApartM(p, honest) > 60);
  const far = routeWhere(1, (p) => closestApartM(p, honest) > 1200 && medianApartM(p, honest) > 1200);
  return {
    dir,
    pbf: demo.paths.pbf!,
    honest: {
      video: demo.paths.video!,
      track: { file: demo.paths.gpx, points: honest },
      startMs: plan.startMs,
      durationS: plan.durationS,
    },
    foreign: await rendered(dir, 'foreign', { durationS: DURATION_S, seed: foreign.seed }),
    synthetic: await writeGpx(path.join(dir, 'synthetic.gpx'), synthetic.points),
    far: await rendered(dir, 'far', { durationS: DURATION_S, seed: far.seed }),
    plan,
  };
}
