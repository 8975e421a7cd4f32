/**
 * When did the video's t = 0 happen? Precedence, first that applies wins:
 *  1. `manifestOffsetMs`: the contributor (or a calibration step) said how the video sits against the track:
 *     t0 = first fix time + offset. An explicit statement beats anything inferred.
 *  2. Telemetry embedded in the same MP4 (GPMF, CAMM): its samples are timed on the video's own media clock, so
 *     t0 = first fix time - media time of the telemetry stream's first sample. Exact to the payload.
 *  3. `creation_time` of the MP4: UTC by the spec, but to the second only, and some cameras write local time or the
 *     end of the recording; the result reports how much of the video the track covers so a caller can reject it.
 *     With `timezone` (IANA name from the manifest) the stamp is read as wall-clock time in that zone instead.
 *  4. The manifest's `startTime`: the client's clock when recording started.
 */

import type { Track } from '../../core/index.ts';
import { invalid, timeZoneOffsetMs } from '../../core/index.ts';
import type { VideoProbe } from './probe-video.ts';

/** How t0 was decided. */
export type AlignmentSource =
  | 'manifest_offset'
  | 'embedded_telemetry'
  | 'creation_time'
  | 'manifest_start'
  | 'motion'
  /** Nothing dates the video (ingest/load-drive's `allowUnplaced`): its t0 is a placeholder until motion places it. */
  | 'unplaced';

/** What the video's own motion said about its clock (ingest/motion). */
export interface MotionAlignment {
  /** Video t = 0 minus the clock's claim, ms, when confident; absent for "unknown". */
  offsetMs?: number;
  /** Best offset found, even when not confident, ms. */
  bestMs: number;
  /** [0, 1]. */
  confidence: number;
  /** The clock that was checked and its t0 (Unix ms). */
  claimedBy: AlignmentSource;
  claimedT0Ms: number;
}

/** Video t = 0 as Unix ms, and why. */
export interface Alignment {
  t0Ms: number;
  source: AlignmentSource;
  detail: string;
  /** Fraction of the video's duration that falls inside the track's time span, [0, 1]. */
  coverage: number;
  /** Set when the video's motion was compared with the track. */
  motion?: MotionAlignment;
}

/** Input of {@link alignVideoToTrack}. */
export interface AlignInput {
  probe: VideoProbe;
  track: Track;
  /** Video t = 0 minus the track's first fix time, ms (positive: the video started later). */
  manifestOffsetMs?: number;
  /** Recording start claimed by the manifest (ISO 8601 or Unix ms). */
  startTime?: string | number;
  /** Whether `track` was read from this same video file; default: true for GPMF/CAMM tracks. */
  embedded?: boolean;
  /** IANA zone in which a local-time `creation_time` was written (e.g. "Europe/Berlin"). */
  timezone?: string;
}

/**
 * The instant at which clocks in `zone` showed `wallMs` (a local time stored as if it were UTC). Two passes find the
 * zone's offset at the instant itself, not at the wall time (they differ only within hours of a DST change).
 */
export function localToUtcMs(wallMs: number, zone: string): number {
  try {
    const guess = wallMs - timeZoneOffsetMs(zone, wallMs);
    return wallMs - timeZoneOffsetMs(zone, guess);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw invalid(
      'timezone_invalid',
      `unknown time zone ${JSON.stringify(zone)} (an IANA name such as Europe/Berlin)`,
      {
        timezone: zone,
      },
    );
  }
}

const TELEMETRY_TAGS = new Set(['gpmd', 'camm']);

/** Decides the video's t0 by the documented precedence; throws `video_unaligned` when nothing dates the video. */
export function alignVideoToTrack(input: AlignInput): Alignment {
  const { probe, track } = input;
  const first = track.points[0];
  const last = track.points[track.points.length - 1];
  const coverage = (t0: number): number => {
    if (!first || !last || !(probe.durationS > 0)) return 0;
    const end = t0 + probe.durationS * 1000;
    return Math.max(0, Math.min(end, last.t) - Math.max(t0, first.t)) / (probe.durationS * 1000);
  };
  const done = (t0Ms: number, source: AlignmentSource, detail: string): Alignment => ({
    t0Ms,
    source,
    detail,
    coverage: coverage(t0Ms),
  });
  if (input.manifestOffsetMs !== undefined && first) {
    return done(first.t + input.manifestOffsetMs, 'manifest_offset', `first fix + ${input.manifestOffsetMs} ms`);
  }
  // Dashcams (Novatek, BlackVue) log GPS from the first second of the clip: their first fix is at media time 0.
  // Subtitle telemetry (DJI) ties every fix to a video time: the first fix's cue start places the video exactly.
  const firstFixMediaMs = Number(track.meta?.firstFixMediaMs);
  // Garmin and Sony rtmd samples are timed the same way (one record per sample).
  if (first && Number.isFinite(firstFixMediaMs)) {
    const what = track.format === 'dji-srt' ? 'DJI subtitle cue' : `${track.format} sample`;
    return done(first.t - firstFixMediaMs, 'embedded_telemetry', `${what} at media ${firstFixMediaMs} ms`);
  }
  const embedded =
    input.embedded ?? ['gpmf', 'camm', 'novatek', 'nextbase', 'blackvue', 'garmin', 'sony-rtmd'].includes(track.format);
  if (embedded && first) {
    const stream = probe.dataStreams.find((s) => TELEMETRY_TAGS.has(s.codecTag) || /GoPro MET/i.test(s.handler));
    const startS = stream?.startS ?? 0;
    return done(first.t - startS * 1000, 'embedded_telemetry', `${track.format} first sample at media ${startS} s`);
  }
  if (probe.creationTime !== undefined) {
    const stamp = new Date(probe.creationTime).toISOString();
    if (input.timezone) {
      const t0 = localToUtcMs(probe.creationTime, input.timezone);
      return done(t0, 'creation_time', `creation_time ${stamp.slice(0, 19)} read in ${input.timezone}`);
    }
    return done(probe.creationTime, 'creation_time', `creation_time ${stamp}`);
  }
  if (input.startTime !== undefined) {
    const ms = typeof input.startTime === 'number' ? input.startTime : Date.parse(input.startTime);
    if (Number.isFinite(ms)) return done(ms, 'manifest_start', `manifest startTime ${new Date(ms).toISOString()}`);
  }
  throw invalid(
    'video_unaligned',
    `${probe.path}: cannot place the video in time: no manifest offset, no embedded telemetry, no creation_time, no manifest startTime`,
    { file: probe.path },
  );
}
