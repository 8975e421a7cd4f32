/**
 * The generated drives the attack scenarios are made of: one town (seed 5, 20 x 4 streets, 2.5 km east-west), the
 * honest drive through it with a rendered video, and other routes through the same town as tracks only (a route
 * seed of their own, the same clock). Small: 25 s at 5 Hz GPS, 320x180 video at 30 fps, rendered once and cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { haversine } from '../../../core/index.ts';
import type { TrackPoint } from '../../../core/track.ts';
import { PROJECT_ROOT, stateDir } from '../../../db/index.ts';
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
  /** Another route nearby at the same time (never within 60 m of the honest car, mostly within 600 m), with video. */
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

/**
 * A dashcam's video: 30 fps (what dashcams record; the motion check's optical flow loses a car at 13 m/s when frames
 * are 10 fps apart), small, with ground texture (real asphalt and verges have it, and optical flow needs it).
 */
const VIDEO = { width: 320, height: 180, fps: 30, groundTexture: true };

/** The demo generator's sources, hashed: a cached drive is regenerated when the generator changes. */
function generatorHash(): string {
  const h = createHash('sha256');
  const demoDir = path.join(PROJECT_ROOT, 'demo');
  for (const f of readdirSync(demoDir).sort()) if (f.endsWith('.ts')) h.update(readFileSync(path.join(demoDir, f)));
  return h.digest('hex').slice(0, 12);
}

/**
 * A rendered drive of a route (video, GPX, with `pbf` the town's roads), cached under .mapmint/attack-drives/ by a
 * hash of its options and of the generator (rendering three 30 fps videos takes about a minute on a busy machine).
 * Rendered into a private folder and renamed into place, so two test files rendering at once never mix files.
 */
async function rendered(route: RouteOptions, pbf: boolean): Promise<{ video: string; gpx: string; pbf: string }> {
  const options = { ...TOWN, route, video: VIDEO, pbf };
  const key = createHash('sha256').update(JSON.stringify(options)).update(generatorHash()).digest('hex').slice(0, 16);
  const out = path.join(stateDir(), 'attack-drives', key);
  if (!existsSync(path.join(out, 'manifest.json'))) {
    const tmp = `${out}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await generateDrive({ ...options, outDir: tmp });
    // Another process may have renamed its copy into place first: then its copy is used and ours dropped.
    await rename(tmp, out).catch(() => rm(tmp, { recursive: true, force: true }));
  }
  return { video: path.join(out, 'drive.mp4'), gpx: path.join(out, 'track.gpx'), pbf: path.join(out, 'roads.osm.pbf') };
}

/** A route's rendered drive with its track points. */
async function drive(route: RouteOptions): Promise<TrackFile & { video: string }> {
  const r = await rendered(route, false);
  return { file: r.gpx, points: pointsOf(planDrive({ ...TOWN, route, video: false })), video: r.video };
}

/** The drives: videos from the cache (rendered when missing), the made-up GPX written into `dir`. */
export async function makeSuiteDrives(dir: string): Promise<SuiteDrives> {
  const route = { durationS: DURATION_S, start: 'stop-sign' as const };
  const demo = await rendered(route, true);
  const plan = planDrive({ ...TOWN, route, video: false });
  const honest = pointsOf(plan);
  // Elsewhere in the same part of town: never within 60 m of the honest car at that moment, mostly within 600 m.
  const nearby = (p: TrackPoint[]) => closestApartM(p, honest) > 60 && medianApartM(p, honest) < 600;
  const foreign = routeWhere(1, nearby);
  const synthetic = routeWhere(foreign.seed + 1, nearby);
  const far = routeWhere(1, (p) => closestApartM(p, honest) > 1200 && medianApartM(p, honest) > 1200);
  return {
    dir,
    pbf: demo.pbf,
    honest: {
      video: demo.video,
      track: { file: demo.gpx, points: honest },
      startMs: plan.startMs,
      durationS: plan.durationS,
    },
    foreign: await drive({ durationS: DURATION_S, seed: foreign.seed }),
    synthetic: await writeGpx(path.join(dir, 'synthetic.gpx'), synthetic.points),
    far: await drive({ durationS: DURATION_S, seed: far.seed }),
    plan,
  };
}
