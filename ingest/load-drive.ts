import type { Track } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import { FORMATS_READ, readExifSequence, readHead, readTrack, sniffFormat } from './telemetry/index.ts';
import { type AlignInput, type Alignment, alignVideoToTrack, probeVideo, type VideoProbe } from './video/index.ts';

/** One file of a drive: where its bytes are (a blob path has no extension), its original name and role. */
export interface DriveFile {
  path: string;
  name: string;
  role: 'video' | 'telemetry' | 'track' | 'image' | 'sidecar';
}

/** What the manifest says about time. */
export interface DriveTiming {
  startTime?: string;
  timeOffsetMs?: number;
  /** IANA zone of a camera that writes local time into `creation_time`. */
  timezone?: string;
}

/** A pause in recording between two clips of one drive (dashcams cut every 1-3 minutes, GoPro chapters at 4 GB). */
export interface ClipGap {
  /** The clip after which the gap starts, and the one that ends it (original names). */
  after: string;
  before: string;
  /** Seconds from the end of one clip to the start of the next on the GPS clock; negative when they overlap. */
  seconds: number;
}

/** A drive ready for validation and sampling: its track, and its videos placed on the GPS clock. */
export interface Drive {
  track: Track;
  /** Which file the track came from (several: each clip's own telemetry, merged). */
  trackFrom: string;
  /** Videos in time order on one timeline, each placed by its own telemetry where it has some. */
  videos: { path: string; name: string; probe: VideoProbe; align: Alignment }[];
  images: string[];
  /** Pauses between consecutive clips. */
  gaps: ClipGap[];
}

/** Options of {@link loadDrive}. */
export interface LoadOptions {
  /**
   * A video with no clock at all (no offset, telemetry, creation_time or start time) is returned with source
   * `unplaced` at the track's first fix instead of failing with `video_unaligned`, for a later step (the motion
   * check) to place. Default false.
   */
  allowUnplaced?: boolean;
}

/** The video's placement, or with `allowUnplaced` an `unplaced` one where nothing dates the video. */
function alignOrUnplaced(input: AlignInput, allowUnplaced: boolean): Alignment {
  try {
    return alignVideoToTrack(input);
  } catch (e) {
    const first = input.track.points[0];
    if (!allowUnplaced || !first || !(e instanceof MapmintError) || e.code !== 'video_unaligned') throw e;
    return { t0Ms: first.t, source: 'unplaced', detail: 'no clock: placed by its motion or not at all', coverage: 0 };
  }
}

/** Reads one telemetry file, sniffing its format from its bytes (the original name breaks ties). */
async function readTelemetry(f: DriveFile): Promise<Track> {
  const format = sniffFormat(await readHead(f.path), f.name);
  if (!format) {
    throw new MapmintError('invalid_input', 'telemetry_unknown_format', `${f.name}: not ${FORMATS_READ}`);
  }
  try {
    return await readTrack({ path: f.path, format });
  } catch (e) {
    // The readers name the path they read, which here is a blob in the store: name the uploaded file instead.
    if (!(e instanceof MapmintError)) throw e;
    throw new MapmintError(e.kind, e.code, e.message.replaceAll(f.path, f.name), e.details);
  }
}

/** Each video's own embedded telemetry (GPMF, CAMM, DJI subtitles, dashcam GPS), or undefined where it has none. */
async function readClipTracks(videos: DriveFile[]): Promise<(Track | undefined)[]> {
  const out: (Track | undefined)[] = [];
  for (const v of videos) {
    out.push(
      await readTelemetry(v).catch((err: unknown) => {
        if (err instanceof MapmintError && err.code === 'mp4_no_telemetry') return undefined;
        throw err;
      }),
    );
  }
  return out;
}

/** One track from several clips' tracks: points in time order, a point repeated at a chapter boundary once. */
export function mergeClipTracks(tracks: readonly Track[]): Track {
  if (tracks.length === 1) return tracks[0]!;
  const points = tracks.flatMap((t) => t.points).sort((a, b) => a.t - b.t);
  const kept = points.filter((p, i) => i === 0 || p.t !== points[i - 1]!.t);
  const formats = [...new Set(tracks.map((t) => t.format))];
  return {
    format: tracks[0]!.format,
    points: kept,
    meta: { clips: String(tracks.length), formats: formats.join(',') },
  };
}

/** A file's name without its extension, case folded: how a clip and its sidecar pair (FILE0001.MP4, FILE0001.gpx). */
const baseName = (name: string) => name.replace(/\.[^.]*$/, '').toLowerCase();

/**
 * The sidecars of a folder of clips, when there are several and each is named after a different video (a dashcam
 * that writes one GPX or NMEA per clip, a DJI .SRT per flight clip): all of them make the track. Otherwise undefined,
 * and the first sidecar is the drive's track (two loggers' tracks of one drive are not merged into a zigzag).
 */
function clipSidecars(sidecars: DriveFile[], videos: DriveFile[]): DriveFile[] | undefined {
  if (sidecars.length < 2) return undefined;
  const clips = new Set(videos.map((v) => baseName(v.name)));
  const owners = new Set(sidecars.map((f) => baseName(f.name)));
  const paired = owners.size === sidecars.length && [...owners].every((b) => clips.has(b));
  return paired ? sidecars : undefined;
}

/** Gaps between consecutive videos once they are in time order. */
export function clipGaps(videos: Drive['videos']): ClipGap[] {
  const gaps: ClipGap[] = [];
  for (let i = 1; i < videos.length; i++) {
    const a = videos[i - 1]!;
    const b = videos[i]!;
    const seconds = (b.align.t0Ms - (a.align.t0Ms + a.probe.durationS * 1000)) / 1000;
    gaps.push({ after: a.name, before: b.name, seconds: Math.round(seconds * 1000) / 1000 });
  }
  return gaps;
}

/**
 * Finds a drive's track and places its videos in time. The track comes from a sidecar track or telemetry file if
 * there is one (the first, in manifest order; every one when each is named after its own clip), else from the
 * telemetry inside the videos (GoPro GPMF, CAMM, dashcam GPS), else from the images' EXIF GPS. Throws typed `invalid_input` errors that say which file failed and why.
 */
export async function loadDrive(files: DriveFile[], timing: DriveTiming = {}, opts: LoadOptions = {}): Promise<Drive> {
  const videos = files.filter((f) => f.role === 'video');
  const images = files.filter((f) => f.role === 'image').map((f) => f.path);
  const sidecars = files.filter((f) => f.role === 'track' || f.role === 'telemetry');
  const sidecar = sidecars[0];
  let track: Track | undefined;
  let trackFrom = '';
  // Without a track file every clip brings its own telemetry and clock: a chaptered GoPro drive or a folder of
  // dashcam clips is read clip by clip, not from the first file alone.
  let clipTracks: (Track | undefined)[] = [];
  const perClip = clipSidecars(sidecars, videos);
  if (perClip) {
    const tracks: Track[] = [];
    for (const f of perClip) tracks.push(await readTelemetry(f));
    track = mergeClipTracks(tracks);
    trackFrom = perClip.map((f) => f.name).join(', ');
  } else if (sidecar) {
    track = await readTelemetry(sidecar);
    trackFrom = sidecar.name;
  } else if (videos.length > 0) {
    clipTracks = await readClipTracks(videos);
    const found = clipTracks.filter((t): t is Track => t !== undefined);
    if (found.length === 0) {
      const names = videos.map((v) => v.name).join(', ');
      throw new MapmintError('invalid_input', 'no_telemetry', `${names}: no GPS in any video and no track file`);
    }
    track = mergeClipTracks(found);
    trackFrom = videos
      .filter((_, i) => clipTracks[i])
      .map((v) => v.name)
      .join(', ');
  } else if (images.length > 0) {
    track = await readExifSequence(images);
    trackFrom = 'EXIF of the images';
  }
  if (!track)
    throw new MapmintError(
      'invalid_input',
      'no_telemetry',
      'the upload has neither a track nor GPS in its video or images',
    );
  const placed: Drive['videos'] = [];
  for (const [i, v] of videos.entries()) {
    const probe = await probeVideo(v.path);
    const own = clipTracks[i];
    const input = {
      probe,
      track: own ?? track,
      ...(timing.timeOffsetMs !== undefined ? { manifestOffsetMs: timing.timeOffsetMs } : {}),
      ...(timing.startTime ? { startTime: timing.startTime } : {}),
      ...(timing.timezone ? { timezone: timing.timezone } : {}),
      embedded: own !== undefined,
    };
    placed.push({ path: v.path, name: v.name, probe, align: alignOrUnplaced(input, opts.allowUnplaced === true) });
  }
  placed.sort((a, b) => a.align.t0Ms - b.align.t0Ms);
  return { track, trackFrom, videos: placed, images, gaps: clipGaps(placed) };
}
