/**
 * A camera's SD-card folder as drives: find the clips (GoPro DCIM/100GOPRO, dashcams' Normal/Event/Parking
 * folders, DJI's DCIM/100MEDIA), pair each with its sidecars (.SRT, .gpx, .nmea of the same name), date each clip
 * (its GPS first and last fix, else the MP4's creation_time and duration), and cut the time-ordered clips into
 * drives wherever recording paused longer than the split gap. Each drive becomes one upload.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MapmintError } from '../core/index.ts';
import { localToUtcMs, probeVideo, readTrack } from '../ingest/index.ts';
import { describeFile } from '../sdk/node.ts';

/** GoPro's low-resolution proxy: an MP4 too, but a copy of a clip, used only when the clip itself is missing. */
const PROXY = '.lrv';
/** Thumbnails and camera bookkeeping: never uploaded. */
const SKIPPED = new Set(['.thm', '.lrv', '.db', '.dat', '.ini', '.txt', '.xml', '.sav', '.info']);
const SIDECAR = new Set(['.srt', '.gpx', '.nmea']);

/** One recorded clip with its sidecars, and when it ran. */
export interface Clip {
  video: string;
  sidecars: string[];
  /** Unix ms; undefined when nothing dates the clip. */
  startMs: number | undefined;
  endMs: number | undefined;
  /** What dated it: a file's GPS fixes, the MP4's creation_time, or nothing. */
  timeFrom: 'gps' | 'creation_time' | 'none';
  bytes: number;
}

/** Clips recorded without a pause longer than the split gap: one upload. */
export interface DriveGroup {
  clips: Clip[];
  startMs: number | undefined;
  endMs: number | undefined;
  bytes: number;
  /** The files to upload: every clip's video and sidecars. */
  files: string[];
}

/** What a folder walk found besides clips, so the driver sees what was left out and why. */
export interface FolderScan {
  clips: Clip[];
  skipped: { file: string; why: string }[];
}

/** Every file below `dir`, hidden files and folders (names starting with `.`) left out. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The key that pairs files of one clip: folder and base name, case folded (GOPR0001.MP4 with GOPR0001.THM). */
function clipKey(file: string): string {
  const base = path.basename(file, path.extname(file));
  return path.join(path.dirname(file), base).toLowerCase();
}

/** The clip a GoPro proxy belongs to: GL010001.LRV is the proxy of GX010001.MP4 (or GH.. on older models). */
function proxyKeys(file: string): string[] {
  const key = clipKey(file);
  const base = path.basename(key);
  if (!/^gl\d/.test(base)) return [key];
  const dir = path.dirname(key);
  return [key, path.join(dir, `gx${base.slice(2)}`), path.join(dir, `gh${base.slice(2)}`)];
}

/** Sorts a folder's files into clips (videos with their sidecars) and what is left out. */
export function pairClipFiles(files: string[]): {
  clips: { video: string; sidecars: string[] }[];
  skipped: FolderScan['skipped'];
} {
  const videos = new Map<string, string>();
  const sidecars = new Map<string, string[]>();
  const proxies: string[] = [];
  const skipped: FolderScan['skipped'] = [];
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    // A video is what an upload declares as one (api/describe-file.ts), so the folder and the manifest agree.
    if (describeFile(f).role === 'video') videos.set(clipKey(f), f);
    else if (ext === PROXY) proxies.push(f);
    else if (SIDECAR.has(ext)) sidecars.set(clipKey(f), [...(sidecars.get(clipKey(f)) ?? []), f]);
    else skipped.push({ file: f, why: SKIPPED.has(ext) ? 'thumbnail or camera file' : 'not a video or track' });
  }
  for (const p of proxies) {
    if (proxyKeys(p).some((k) => videos.has(k))) skipped.push({ file: p, why: 'low-resolution copy of a clip' });
    else videos.set(clipKey(p), p);
  }
  const clips = [...videos].map(([key, video]) => ({ video, sidecars: sidecars.get(key) ?? [] }));
  for (const [key, list] of sidecars)
    if (!videos.has(key)) for (const f of list) skipped.push({ file: f, why: 'no video of the same name' });
  return { clips, skipped };
}

/** First and last fix time of a track file (or of the GPS inside a video); undefined when it has none. */
async function gpsSpan(file: string): Promise<{ startMs: number; endMs: number } | undefined> {
  try {
    let startMs = Infinity;
    let endMs = -Infinity;
    for (const p of (await readTrack({ path: file })).points) {
      if (!Number.isFinite(p.t)) continue;
      startMs = Math.min(startMs, p.t);
      endMs = Math.max(endMs, p.t);
    }
    return startMs <= endMs ? { startMs, endMs } : undefined;
  } catch (err) {
    // No GPS, or GPS that cannot be read: the clip is dated by its creation_time instead, and validation on the
    // server names what is wrong with the telemetry.
    if (err instanceof MapmintError) return undefined;
    throw err;
  }
}

/**
 * Dates one clip: GPS from its sidecars or its own telemetry first (exact, UTC); else creation_time plus duration,
 * read in `timezone` when the camera writes local time.
 */
export async function dateClip(c: { video: string; sidecars: string[] }, timezone?: string): Promise<Clip> {
  const bytes =
    (await stat(c.video)).size + (await Promise.all(c.sidecars.map((s) => stat(s)))).reduce((n, s) => n + s.size, 0);
  for (const f of [...c.sidecars, c.video]) {
    const span = await gpsSpan(f);
    if (span) return { ...c, ...span, timeFrom: 'gps', bytes };
  }
  const probe = await probeVideo(c.video).catch((err: unknown) => {
    if (err instanceof MapmintError && err.kind !== 'dependency_missing') return undefined;
    throw err;
  });
  if (probe?.creationTime === undefined) return { ...c, startMs: undefined, endMs: undefined, timeFrom: 'none', bytes };
  const startMs = timezone ? localToUtcMs(probe.creationTime, timezone) : probe.creationTime;
  return { ...c, startMs, endMs: startMs + probe.durationS * 1000, timeFrom: 'creation_time', bytes };
}

/**
 * Cuts clips into drives: in time order, a new drive wherever the next clip starts more than `gapMs` after the
 * previous one ended. A clip that nothing dates is a drive of its own (it cannot be placed beside others).
 */
export function groupDrives(clips: readonly Clip[], gapMs: number): DriveGroup[] {
  const dated = clips.filter((c) => c.startMs !== undefined).sort((a, b) => a.startMs! - b.startMs!);
  const groups: Clip[][] = [];
  let lastEnd = -Infinity;
  for (const c of dated) {
    const end = c.endMs ?? c.startMs!;
    const current = groups[groups.length - 1];
    if (current && c.startMs! - lastEnd <= gapMs) {
      current.push(c);
      lastEnd = Math.max(lastEnd, end);
    } else {
      groups.push([c]);
      lastEnd = end;
    }
  }
  for (const c of clips) if (c.startMs === undefined) groups.push([c]);
  return groups.map((g) => ({
    clips: g,
    startMs: g[0]!.startMs,
    endMs: g.reduce<number | undefined>(
      (m, c) => (c.endMs === undefined ? m : Math.max(m ?? -Infinity, c.endMs)),
      undefined,
    ),
    bytes: g.reduce((n, c) => n + c.bytes, 0),
    files: g.flatMap((c) => [c.video, ...c.sidecars]),
  }));
}

/** Finds and dates every clip below the given folders (and loose files beside them). */
export async function scanFolders(paths: string[], timezone?: string): Promise<FolderScan> {
  const files: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new MapmintError('not_found', 'path_not_found', `${p}: no such file or folder`);
    files.push(...(s.isDirectory() ? await walk(p) : [p]));
  }
  const { clips, skipped } = pairClipFiles(files);
  if (clips.length === 0) {
    throw new MapmintError('invalid_input', 'no_clips', `no video clips (.MP4, .MOV) found in ${paths.join(', ')}`);
  }
  const dated: Clip[] = [];
  for (const c of clips) dated.push(await dateClip(c, timezone));
  return { clips: dated, skipped };
}

/** The grouping as people read it: one line per drive, then its clips. */
export function describeGrouping(drives: readonly DriveGroup[], skipped: FolderScan['skipped']): string {
  const when = (ms: number | undefined) =>
    ms === undefined ? 'unknown time' : new Date(ms).toISOString().replace('.000Z', 'Z');
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const lines: string[] = [];
  for (const [i, d] of drives.entries()) {
    const minutes =
      d.startMs !== undefined && d.endMs !== undefined ? ` (${((d.endMs - d.startMs) / 60_000).toFixed(1)} min)` : '';
    lines.push(
      `drive ${i + 1}: ${d.clips.length} clip(s), ${mb(d.bytes)}, ${when(d.startMs)} .. ${when(d.endMs)}${minutes}`,
    );
    for (const c of d.clips) {
      const extra = c.sidecars.length ? ` + ${c.sidecars.map((s) => path.basename(s)).join(', ')}` : '';
      lines.push(`  ${path.basename(c.video)}${extra}  ${when(c.startMs)} [${c.timeFrom}]`);
    }
  }
  if (skipped.length) lines.push(`left out ${skipped.length} file(s): ${summariseSkipped(skipped)}`);
  return lines.join('\n');
}

/** "3 thumbnail or camera file, 1 no video of the same name (X.SRT)". */
function summariseSkipped(skipped: FolderScan['skipped']): string {
  const by = new Map<string, string[]>();
  for (const s of skipped) by.set(s.why, [...(by.get(s.why) ?? []), path.basename(s.file)]);
  return [...by]
    .map(([why, names]) => `${names.length} ${why}${names.length <= 3 ? ` (${names.join(', ')})` : ''}`)
    .join('; ');
}
