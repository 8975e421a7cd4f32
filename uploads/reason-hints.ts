/**
 * What a driver can do about each quarantine or failure reason: the `hint` beside every reason the API shows, and
 * what `mapmint upload` and `mapmint status` print. Every code the pipeline can emit has an entry here
 * (test/uploads/reason-hints.test.ts finds them in the source and fails on one without a hint).
 */
import { exampleTimeZone } from '../core/index.ts';

/** A reason as stored on an upload or found by validation. */
export interface HintableReason {
  code: string;
  message?: string;
  details?: Record<string, unknown> | undefined;
}

type Details = Record<string, unknown>;
type Hint = string | ((d: Details) => string);

const num = (d: Details, ...keys: string[]): number | undefined => {
  for (const k of keys) if (typeof d[k] === 'number' && Number.isFinite(d[k])) return d[k] as number;
  return undefined;
};

/** A quarter-hour multiple of at least 15 min: what a clock set to a time zone instead of UTC is off by. */
function zoneShiftMs(offsetS: number): number | undefined {
  const q = Math.round(offsetS / 900) * 900;
  return q !== 0 && Math.abs(offsetS - q) <= 120 && Math.abs(q) <= 14 * 3600 ? q * 1000 : undefined;
}

/**
 * What to do when the camera's clock is `offsetS` seconds ahead of GPS time (negative: behind): a time-zone shift
 * asks for --timezone (with a zone that had that offset at `atMs`), anything else for --time-offset.
 */
export function clockHint(offsetS: number, atMs = Date.now()): string {
  const zone = zoneShiftMs(offsetS);
  if (zone !== undefined) {
    const h = zone / 3_600_000;
    const example = exampleTimeZone(zone, atMs) ?? 'Europe/Berlin';
    return (
      `this camera wrote local time (its clock is ${h > 0 ? '+' : ''}${h} h off GPS time): upload again with ` +
      `--timezone ${example} (or the zone the camera's clock is set to), and set the camera's clock to UTC if it can`
    );
  }
  // --time-offset is the manifest's timeOffsetMs: the video's start minus the track's first fix, not the clock error.
  const s = Math.round(offsetS);
  return (
    `the camera's clock is ${Math.abs(s)} s ${s > 0 ? 'ahead of' : 'behind'} GPS time: upload again with --time-offset 0 ` +
    "if the video started with the track, else with the seconds from the track's first fix to the video's start"
  );
}

const REREAD_TRACK =
  'the track file could not be read: export it again from the app or logger that recorded it (every point with a time) and upload again, or convert it to GPX';
const REREAD_VIDEO_GPS =
  "the GPS inside the video could not be read: copy the clip from the SD card again (a copy cut short reads this way); if it still fails, add the drive's track file beside the video";
const NO_FIX =
  'the camera recorded no GPS fix: wait for a fix before driving (GPS on, a clear sky view), or add a track from a phone or logger beside the video';

const ZONE_NAME =
  'name the zone as in the tz database, such as Europe/Berlin or America/New_York (not CET or +01:00), and upload again';

/** Hints by code; several codes of one reader family share a text. */
const HINTS: Record<string, Hint> = {
  // Telemetry files the driver can export again.
  ...Object.fromEntries(
    [
      'gpx_bad_point',
      'gpx_bad_time',
      'gpx_malformed',
      'gpx_missing_time',
      'gpx_no_points',
      'gpx_not_gpx',
      'csv_bad_row',
      'csv_bad_time',
      'csv_empty',
      'csv_missing_columns',
      'csv_no_points',
      'json_bad_geojson',
      'json_bad_point',
      'json_bad_time',
      'json_malformed',
      'json_no_points',
      'json_unsupported',
    ].map((c) => [c, REREAD_TRACK]),
  ),
  csv_multiple_tracks: 'the CSV holds several tracks: upload each drive with its own track file',
  telemetry_unknown_format:
    'this track format is not read: convert it to GPX (for example with gpsbabel) and upload again with the GPX beside the video',
  telemetry_too_large: 'the track is over the size limit: split the drive into shorter uploads (one per hour or less)',
  // GPS inside MP4s (GoPro GPMF, CAMM, dashcam boxes) and the MP4 structure around it.
  ...Object.fromEntries(
    [
      'camm_bad_packet',
      'camm_truncated',
      'gpmf_bad_key',
      'gpmf_bad_type',
      'gpmf_no_type',
      'gpmf_too_deep',
      'gpmf_truncated',
      'mp4_bad_box',
      'mp4_bad_table',
      'mp4_no_moov',
      'mp4_overlapping_samples',
      'mp4_sample_too_large',
      'mp4_table_too_large',
      'mp4_too_many_boxes',
      'mp4_truncated',
    ].map((c) => [c, REREAD_VIDEO_GPS]),
  ),
  ...Object.fromEntries(
    ['camm_no_gps', 'camm_no_time', 'gpmf_no_fix', 'gpmf_no_gps', 'gpmf_no_time', 'gps_no_fix', 'dji_no_fixes'].map(
      (c) => [c, NO_FIX],
    ),
  ),
  garmin_no_time:
    "the Garmin camera's GPS records carry no time: set the camera's clock (or update its firmware), or add the drive's track file beside the video",
  mp4_no_telemetry:
    'the video carries no GPS: turn GPS on in the camera, or put the track recorded with it (GPX, NMEA, CSV) beside the video with the same name',
  no_telemetry:
    'no GPS found in the files: turn GPS on in the camera, or put the track recorded with the video (GPX, NMEA, CSV, .SRT) beside it with the same name and upload again',
  exif_no_gps: "the photos carry no GPS position: turn on location in the camera's settings, or add a track file",
  // Video.
  video_corrupt:
    'the video cannot be decoded: copy it from the SD card again (check the card on a computer); leave out a clip that still fails',
  video_no_stream: 'the file holds no video picture: upload the camera’s video file, not an audio or data file',
  video_too_long:
    'the video is longer than the server accepts: cut it into parts (ffmpeg -i in.mp4 -c copy -f segment -segment_time 600 part%03d.mp4) and upload the parts',
  video_resolution_too_high: 'the video is larger than the server accepts: record at 4K or less, or scale it down',
  video_fps_too_high: 'the frame rate is above what the server accepts: record at 60 fps or less, or convert the clip',
  video_unaligned:
    'the video could not be placed in time (no GPS in it, no creation time): upload again with --start-time <when recording started, ISO 8601> or --time-offset <seconds>',
  // GPS validation (ingest/validate/types.ts ReasonCode).
  out_of_range:
    'the GPS positions are outside the valid range: the receiver had no fix; record again once the camera shows a fix',
  null_island:
    'the GPS reported position 0,0 (no fix): wait for a fix before driving, or add a track file from a phone or logger',
  poor_fix:
    'the GPS fixes were too imprecise (few satellites, high HDOP): mount the camera with a clear sky view and wait for a fix before driving',
  non_monotonic_time:
    "the GPS times run backwards: the logger's clock jumped; export the track again or record a new drive",
  duplicate_timestamps: 'many fixes share one time: export the track at its full precision (with fractional seconds)',
  time_gap:
    'the GPS stopped for a while (tunnel, lost fix): nothing to do, the track is cut there; keep the camera powered while driving',
  teleport:
    'the position jumped far at once: a GPS glitch, the jump is cut out; if most of the track is lost, check the antenna and mount',
  impossible_speed:
    'fixes imply a speed no road vehicle reaches: a GPS glitch, or a track from another trip; upload the track recorded with this video',
  impossible_acceleration:
    'fixes imply an impossible acceleration: a GPS glitch, or a track from another trip; upload the track recorded with this video',
  too_perfect:
    'the track is smoother than any real GPS: upload the raw track as the device recorded it, not one drawn or snapped to roads',
  video_duration_mismatch: (d) => {
    const late = num(d, 'lateStartS');
    const early = num(d, 'earlyEndS');
    // A clock shift puts the video late by as much as the track ends early (or the other way round).
    if (late !== undefined && early !== undefined && Math.abs(late + early) <= Math.max(60, 0.05 * Math.abs(early))) {
      const offset = (early - late) / 2;
      if (Math.abs(offset) >= 60) return clockHint(offset, num(d, 'videoStartMs', 'startMs'));
    }
    return 'the GPS does not cover the video: upload the track recorded during this video, or check the camera clock (--time-offset, --timezone)';
  },
  too_short:
    'the drive is too short to map (a few fixes or under 100 m): upload longer drives, or join this clip with the next ones of the same trip',
  replay: (d) =>
    `this path was uploaded before${typeof d.originalUploadId === 'string' ? ` (upload ${d.originalUploadId})` : ''}: ` +
    'a copy earns nothing; if both are your own recordings, ask the operator to review this upload with both ids',
  duplicate_content: (d) =>
    `these exact files were uploaded earlier by someone else${typeof d.originalUploadId === 'string' ? ` (upload ${d.originalUploadId})` : ''}: ` +
    'if you recorded them, ask the operator to review this upload with both ids',
  // Proof of capture: motion and device keys.
  motion_mismatch:
    "the video's motion does not match the GPS track (stopped while the track moves, or the other way round): upload the track recorded with this video; if the clock is off, upload again with --time-offset",
  clock_disagrees_with_motion: (d) => {
    // ingest/align-by-motion.ts: the video's motion puts t0 at the clock's claim + motionOffsetMs, so the camera's
    // clock is ahead of GPS time by -motionOffsetMs.
    const ms = num(d, 'motionOffsetMs');
    return ms !== undefined
      ? clockHint(-ms / 1000, num(d, 'clockT0Ms'))
      : "the camera's clock disagrees with the video's motion: check the clock; upload again with --timezone or --time-offset if it is off";
  },
  device_conflict: (d) =>
    `this camera was in two places at once${typeof d.otherUploadId === 'string' ? ` (upload ${d.otherUploadId} overlaps in time)` : ''}: ` +
    "check the camera's clock (--time-offset, --timezone), and declare two cameras as two devices (their own --make/--model or device keys)",
  bad_device_signature:
    "the manifest's signature does not verify with the device key: upload from the device (or CLI) holding the registered key, not a copied manifest",
  device_not_registered:
    'the key that signed this upload is not registered to your account: run `mapmint device register` on this device, then upload again',
  device_signature_required:
    'this server accepts only uploads signed by a registered device: run `mapmint device register` on this device and upload again',
  device_key_revoked:
    'this device key was revoked: create a new key on this device (mapmint device register --new) and upload again',
  device_key_taken:
    'this device key is registered to another account: create a new key on this device and register it to yours',
  // Storage and lifecycle.
  file_missing: 'a file never reached the server: run the same `mapmint upload` again to send it',
  file_corrupt:
    "the server's stored copy of a file is damaged (your file is not): report the upload id to the operator",
  files_deleted:
    'the files of this quarantined upload were deleted after the retention period; the reasons stay for reference',
  upload_abandoned:
    'nothing arrived for a long time, so the partial files were deleted: run the same `mapmint upload` again to resume',
  step_failed:
    'processing failed on the server, not because of your files: nothing to do; the operator retries it (`mapmint retry <upload>`)',
  // Refused at declaration (HTTP 4xx): what the CLI prints with the error.
  upload_too_large:
    'the drive is over the per-upload limit: split it into several uploads (--split-gap groups clips into drives)',
  file_too_large: 'a file is over the per-file limit: cut the video into parts and upload them as one drive',
  too_many_files: 'too many files for one upload: upload the folder drive by drive',
  storage_quota_exceeded: 'your storage quota on the server is full: wait until your earlier uploads are processed',
  too_many_reclocks:
    'this drive was validated again with other clock settings three times already: record the drive again, or ask an operator to look at it',
  invalid_timezone: ZONE_NAME,
  // The same refusal from alignment, for a manifest stored before the server checked the name.
  timezone_invalid: ZONE_NAME,
};

/** Every code with a hint (the test compares it with the codes the source can emit). */
export function hintedCodes(): string[] {
  return Object.keys(HINTS).sort();
}

/** What the driver can do about `reason`, or undefined for a code without a hint. */
export function reasonHint(reason: HintableReason): string | undefined {
  const h = HINTS[reason.code];
  return typeof h === 'function' ? h(reason.details ?? {}) : h;
}

/** The reasons with their hints added (for the API's upload view). */
export function withHints<R extends HintableReason>(reasons: readonly R[]): (R & { hint?: string })[] {
  return reasons.map((r) => {
    const hint = reasonHint(r);
    return hint ? { ...r, hint } : r;
  });
}
