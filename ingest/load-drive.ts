import { open } from 'node:fs/promises';
import { MapmintError } from '../core/errors.ts';
import type { Track } from '../core/track.ts';
import { readExifSequence, readTrack, sniffFormat } from './telemetry/index.ts';
import { type Alignment, alignVideoToTrack, probeVideo, type VideoProbe } from './video/index.ts';

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
}

/** A drive ready for validation and sampling: its track, and its videos placed on the GPS clock. */
export interface Drive {
  track: Track;
  /** Which file the track came from. */
  trackFrom: string;
  videos: { path: string; name: string; probe: VideoProbe; align: Alignment }[];
  images: string[];
}

async function head(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Reads one telemetry file, sniffing its format from its bytes (the original name breaks ties). */
async function readTelemetry(f: DriveFile): Promise<Track> {
  const format = sniffFormat(await head(f.path), f.name);
  if (!format) {
    throw new MapmintError(
      'invalid_input',
      'telemetry_unknown_format',
      `${f.name}: not GPX, NMEA, CSV, JSON, GPMF or CAMM`,
    );
  }
  return readTrack({ path: f.path, format });
}

/**
 * Finds a drive's track and places its videos in time. The track comes from a sidecar track or telemetry file if
 * there is one (the first, in manifest order), else from the telemetry inside the first video (GoPro GPMF, CAMM),
 * else from the images' EXIF GPS. Throws typed `invalid_input` errors that say which file failed and why.
 */
export async function loadDrive(files: DriveFile[], timing: DriveTiming = {}): Promise<Drive> {
  const videos = files.filter((f) => f.role === 'video');
  const images = files.filter((f) => f.role === 'image').map((f) => f.path);
  const sidecar = files.find((f) => f.role === 'track' || f.role === 'telemetry');
  let track: Track | undefined;
  let trackFrom = '';
  let embedded = false;
  if (sidecar) {
    track = await readTelemetry(sidecar);
    trackFrom = sidecar.name;
  } else if (videos[0]) {
    track = await readTelemetry(videos[0]).catch((err: unknown) => {
      if (err instanceof MapmintError && err.code === 'mp4_no_telemetry') {
        throw new MapmintError(
          'invalid_input',
          'no_telemetry',
          `${videos[0]!.name} carries no GPS and the upload has no track file`,
        );
      }
      throw err;
    });
    trackFrom = videos[0].name;
    embedded = true;
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
    const align = alignVideoToTrack({
      probe,
      track,
      ...(timing.timeOffsetMs !== undefined ? { manifestOffsetMs: timing.timeOffsetMs } : {}),
      ...(timing.startTime ? { startTime: timing.startTime } : {}),
      embedded: embedded && i === 0,
    });
    placed.push({ path: v.path, name: v.name, probe, align });
  }
  return { track, trackFrom, videos: placed, images };
}
