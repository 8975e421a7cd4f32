/**
 * What an attacker does to files: videos that show nothing (black, one still frame), a replay re-encoded at another
 * bitrate or re-timed by rewriting its creation time, and tracks moved in space or in time. Videos go through the
 * system ffmpeg with argument arrays; every forged video carries a creation time, as a camera's file would.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { type LocalFrame, localFrame } from '../../../core/index.ts';
import type { TrackPoint } from '../../../core/track.ts';
import { type RoadNetwork, runTool } from '../../../demo/index.ts';
import { FFMPEG_PATH } from '../../../ingest/video/index.ts';

/** Size, rate and clock of a forged video. */
export interface ForgedVideo {
  width: number;
  height: number;
  fps: number;
  durationS: number;
  /** The creation time written into the file (Unix ms). */
  startMs: number;
}

/** The creation time a camera writes into its file. */
const stamp = (startMs: number) => ['-metadata', `creation_time=${new Date(startMs).toISOString()}`];
const x264 = (startMs: number) => ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...stamp(startMs)];
/** Runs ffmpeg quietly, overwriting its output. */
const ffmpeg = (args: string[]) => runTool(FFMPEG_PATH, ['-v', 'error', '-y', ...args]);

/** A black video of the given size and length: a camera with its lens covered. */
export async function blackVideo(out: string, v: ForgedVideo): Promise<string> {
  const src = `color=c=black:s=${v.width}x${v.height}:r=${v.fps}:d=${v.durationS}`;
  await ffmpeg(['-f', 'lavfi', '-i', src, ...x264(v.startMs), out]);
  return out;
}

/** One frame of `source` (at `atS`) held for the whole length: a parked car's view paired with a moving track. */
export async function staticVideo(source: string, atS: number, out: string, v: ForgedVideo): Promise<string> {
  const still = path.join(path.dirname(out), `${path.basename(out, '.mp4')}-still.png`);
  await ffmpeg(['-ss', String(atS), '-i', source, '-frames:v', '1', still]);
  try {
    const loop = ['-loop', '1', '-framerate', String(v.fps), '-i', still, '-t', String(v.durationS)];
    await ffmpeg([...loop, ...x264(v.startMs), out]);
  } finally {
    await rm(still, { force: true });
  }
  return out;
}

/** `source` decoded and encoded again at `kbps` (other bytes, other hash, the same pictures), its clock at `startMs`. */
export async function reencodedVideo(source: string, kbps: number, out: string, startMs: number): Promise<string> {
  const rate = ['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${2 * kbps}k`];
  await ffmpeg(['-i', source, ...rate, ...x264(startMs), out]);
  return out;
}

/** `source`'s stream copied unchanged with only its creation time rewritten: a re-timed copy. */
export async function retimedVideo(source: string, out: string, startMs: number): Promise<string> {
  await ffmpeg(['-i', source, '-c', 'copy', ...stamp(startMs), out]);
  return out;
}

/** Every fix moved `dtMs` in time, positions untouched except a jitter of at most 0.5 m (deterministic). */
export function retimed(points: TrackPoint[], dtMs: number): TrackPoint[] {
  return points.map((p, i) => {
    const j = (((i * 7919) % 11) / 11 - 0.5) * 0.5;
    return { ...p, t: p.t + dtMs, lat: p.lat + j / 111_320, lon: p.lon - j / 75_000 };
  });
}

/** The clock stretched by `factor` from the first fix: the same path, driven that much slower on paper. */
export function stretched(points: TrackPoint[], factor: number): TrackPoint[] {
  const t0 = points[0]?.t ?? 0;
  return points.map((p) => ({
    ...p,
    t: t0 + Math.round((p.t - t0) * factor),
    ...(p.speed === undefined ? {} : { speed: p.speed / factor }),
  }));
}

/** Every fix moved by (east, north) metres, in the frame of `origin`. */
export function shifted(points: TrackPoint[], frame: LocalFrame, east: number, north: number): TrackPoint[] {
  return points.map((p) => {
    const [x, y] = frame.toXY(p.lat, p.lon);
    const [lat, lon] = frame.toLatLon(x + east, y + north);
    return { ...p, lat, lon };
  });
}

/** Distance from (x, y) to segment a-b, metres in the local frame. */
function toSegment(x: number, y: number, a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len2));
  return Math.hypot(x - a[0] - f * dx, y - a[1] - f * dy);
}

/**
 * The shift that moves a drive onto other streets of its town: among the vectors between two junctions, 150-700 m
 * long, the one that keeps the most fixes within 8 m of a street while keeping at most a fifth of them within 30 m
 * of the route it came from. A spatially shifted replay of one's own drive, not a move into open country.
 */
export function shiftOntoOtherStreets(
  points: TrackPoint[],
  network: RoadNetwork,
): { frame: LocalFrame; east: number; north: number; onStreets: number } {
  const frame = localFrame(network.origin.lat, network.origin.lon);
  const byId = new Map(network.nodes.map((n) => [n.id, [n.x, n.y] as [number, number]]));
  const segments: [[number, number], [number, number]][] = [];
  for (const w of network.ways)
    for (let i = 1; i < w.nodes.length; i++) segments.push([byId.get(w.nodes[i - 1]!)!, byId.get(w.nodes[i]!)!]);
  const xy = points.map((p) => frame.toXY(p.lat, p.lon));
  const near = (x: number, y: number, m: number) => segments.some(([a, b]) => toSegment(x, y, a, b) <= m);
  const nearRoute = (x: number, y: number) => xy.some((q, i) => i > 0 && toSegment(x, y, xy[i - 1]!, q) <= 30);
  const sample = xy.filter((_, i) => i % 5 === 0);
  let best = { frame, east: 0, north: 0, onStreets: -1 };
  const seen = new Set<string>();
  for (const a of network.nodes)
    for (const b of network.nodes) {
      const east = b.x - a.x;
      const north = b.y - a.y;
      const len = Math.hypot(east, north);
      const key = `${Math.round(east)},${Math.round(north)}`;
      if (len < 150 || len > 700 || seen.has(key)) continue;
      seen.add(key);
      const moved = sample.map(([x, y]) => [x + east, y + north] as const);
      const onStreets = moved.filter(([x, y]) => near(x, y, 8)).length / moved.length;
      if (onStreets <= best.onStreets) continue;
      if (moved.filter(([x, y]) => nearRoute(x, y)).length > moved.length / 5) continue;
      best = { frame, east, north, onStreets };
    }
  if (best.onStreets < 0) throw new Error('no junction-to-junction shift moves the drive onto other streets');
  return best;
}
