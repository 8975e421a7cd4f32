/**
 * One video against its track: where its motion places it (around the clock's claim), and whether the motion and
 * the track can belong together at all. The policy: a confident offset moves an untrusted clock (creation_time,
 * manifest start) and flags a trusted one that disagrees by more than a second; a contradiction — a still or black
 * video over a moving track, a moving video that matches the track at no offset, stops of the video that land on a
 * moving track at every offset that could pass validation (check-stops.ts), or a confident offset that does not
 * hold from the video's first third to its last (a stretched clock, check-clock-rate.ts) — is `motion_mismatch`;
 * anything unclear (too little texture, a track without stops, turns or speed changes, a drone or a walk) is
 * inconclusive and accepted.
 */
import type { Track } from '../../core/index.ts';
import type { AlignmentSource, MotionAlignment, VideoProbe } from '../video/index.ts';
import { clockRateMismatch } from './check-clock-rate.ts';
import { stopsContradict } from './check-stops.ts';
import { findOffset, type OffsetResult } from './find-offset.ts';
import { type MotionProfile, type MotionSample, measureMotion } from './measure-motion.ts';
import { profileAt, type TrackProfile, trackProfile } from './track-profile.ts';

/** Clocks that a confident motion offset replaces; the others (embedded telemetry) it only checks. */
export const UNTRUSTED_CLOCKS: readonly AlignmentSource[] = ['creation_time', 'manifest_start', 'unplaced'];

/** A disagreement larger than this between a clock and a confident motion offset is flagged, ms. */
export const CLOCK_TOLERANCE_MS = 1000;

/** What {@link checkVideoMotion} found. */
export interface VideoMotionCheck {
  motion: MotionAlignment;
  offset: OffsetResult;
  /** Set when the motion contradicts the track: why, in a few words, and figures. */
  mismatch?: {
    why: 'still_video' | 'black_video' | 'no_offset_matches' | 'stops_disagree' | 'clock_rate';
    details: Record<string, number | string>;
  };
}

/** Input of {@link checkVideoMotion}. */
export interface CheckInput {
  probe: VideoProbe;
  track: Track;
  claimedT0Ms: number;
  claimedBy: AlignmentSource;
  /** Half-width of the offset search, seconds; default 30. */
  rangeS?: number;
  /** An already measured profile (tests, benchmarks); measured from the video when absent. */
  profile?: MotionProfile;
}

/** Mean grey level below which a frame is dark: video black is 16 in the limited (TV) range most cameras write. */
const DARK_LUMA = 28;
/** Median image motion below which a frame pair counts as still, in analysed pixels per second. */
const STILL_FLOW = 1.5;
/** Track speed above which it counts as moving, m/s (a walk stays below: it is never called a contradiction). */
const MOVING_MS = 3;
/** A moving video matches "no offset" only when the best score is below this while the track varies this much. */
const NO_MATCH_SCORE = 0.1;
const NO_MATCH_TRACK_STD = 2;
/**
 * Below this frame rate a pair's motion can leave block matching's search range (+-13 px at ~200 px: a car at 13 m/s
 * filmed at 10 fps moves the near road further), so a low score proves nothing: an honest generated drive at 10 fps
 * scored "no offset" while the same drive at 30 fps aligned. Stills, blacks and stops need no large motion and stay.
 */
const NO_MATCH_MIN_FPS = 20;

/** Fractions of the samples that are measurable, still, and dark. */
function videoState(samples: readonly MotionSample[]) {
  let measurable = 0;
  let still = 0;
  let dark = 0;
  for (const s of samples) {
    if (s.luma < DARK_LUMA) dark++;
    if (Number.isNaN(s.speed)) continue;
    measurable++;
    if (s.flow < STILL_FLOW) still++;
  }
  const n = Math.max(1, samples.length);
  return { measurable: measurable / n, still: still / Math.max(1, measurable), dark: dark / n };
}

/** The track's speed over the searched span: fraction of time moving, and its standard deviation. */
function trackState(p: TrackProfile, fromMs: number, toMs: number) {
  let n = 0;
  let moving = 0;
  let sum = 0;
  let sum2 = 0;
  for (let ms = fromMs; ms <= toMs; ms += 100) {
    const v = profileAt(p, p.speed, ms);
    if (Number.isNaN(v)) continue;
    n++;
    if (v > MOVING_MS) moving++;
    sum += v;
    sum2 += v * v;
  }
  const mean = n > 0 ? sum / n : 0;
  return { moving: n > 0 ? moving / n : 0, std: n > 0 ? Math.sqrt(Math.max(0, sum2 / n - mean * mean)) : 0, n };
}

/** Contradiction between the video's motion and the track, if there is a clear one. */
function findMismatch(
  samples: readonly MotionSample[],
  track: TrackProfile,
  offset: OffsetResult,
  span: { fromMs: number; toMs: number; claimedT0Ms: number; durationS: number; rangeS: number; fps: number },
): VideoMotionCheck['mismatch'] {
  const video = videoState(samples);
  const moving = trackState(track, span.fromMs, span.toMs);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const details = {
    videoStill: round(video.still),
    videoMeasurable: round(video.measurable),
    videoDark: round(video.dark),
    trackMoving: round(moving.moving),
    trackSpeedStd: round(moving.std),
  };
  if (moving.moving < 0.5) return undefined;
  if (video.dark > 0.9) return { why: 'black_video', details };
  if (video.measurable >= 0.5 && video.still > 0.95) return { why: 'still_video', details };
  const noMatch =
    video.measurable >= 0.5 &&
    video.still < 0.5 &&
    moving.std >= NO_MATCH_TRACK_STD &&
    offset.why !== 'no_overlap' &&
    offset.score < NO_MATCH_SCORE &&
    span.fps >= NO_MATCH_MIN_FPS;
  if (noMatch) return { why: 'no_offset_matches', details: { ...details, bestScore: round(offset.score) } };
  // A profile too steady to align can still be refuted: the video stopped where the track, at every offset that
  // covers the video, drives on (check-stops.ts).
  const stops = video.measurable >= 0.5 ? stopsContradict(samples, track, span) : undefined;
  if (!stops) return undefined;
  const at = stops.stops.map(([a, b]) => `${a.toFixed(1)}-${b.toFixed(1)} s`).join(', ');
  return { why: 'stops_disagree', details: { ...details, videoStops: at, offsetsChecked: stops.offsetsChecked } };
}

/** A confident offset that does not hold over the whole video: the track's clock runs at another rate (a warp). */
function rateMismatch(
  samples: readonly MotionSample[],
  track: TrackProfile,
  claimedT0Ms: number,
  bestMs: number,
  durationS: number,
): VideoMotionCheck['mismatch'] {
  const r = clockRateMismatch(samples, track, { claimedT0Ms, bestMs, durationS });
  if (!r) return undefined;
  const offsets = r.thirds.map((t) => `${Math.round(t.centreS)} s: ${t.offsetMs} ms`).join(', ');
  return { why: 'clock_rate', details: { driftMs: r.driftMs, rate: Math.round(r.rate * 1000) / 1000, offsets } };
}

/** Measures the video's motion and compares it with the track around the claimed t0; see the file comment. */
export async function checkVideoMotion(input: CheckInput): Promise<VideoMotionCheck> {
  const rangeS = input.rangeS ?? 30;
  const profile = input.profile ?? (await measureMotion(input.probe));
  const track = trackProfile(input.track);
  const offset = findOffset(profile.samples, track, {
    claimedT0Ms: input.claimedT0Ms,
    durationS: input.probe.durationS,
    rangeS,
  });
  const motion: MotionAlignment = {
    ...(offset.offsetMs !== undefined ? { offsetMs: offset.offsetMs } : {}),
    bestMs: offset.bestMs,
    confidence: Math.round(offset.confidence * 1000) / 1000,
    claimedBy: input.claimedBy,
    claimedT0Ms: input.claimedT0Ms,
  };
  const span = {
    fromMs: input.claimedT0Ms - rangeS * 1000,
    toMs: input.claimedT0Ms + (input.probe.durationS + rangeS) * 1000,
    claimedT0Ms: input.claimedT0Ms,
    durationS: input.probe.durationS,
    rangeS,
    fps: input.probe.fps,
  };
  // DJI telemetry is a drone's: its image flow comes from altitude and gimbal, not from the track's speed, so "matches
  // at no offset" or "one offset does not fit" prove nothing there (a still or black video over a moving drone track
  // still does).
  const aerial = input.track.format === 'dji-srt';
  const found =
    offset.offsetMs === undefined
      ? findMismatch(profile.samples, track, offset, span)
      : rateMismatch(profile.samples, track, input.claimedT0Ms, offset.offsetMs, input.probe.durationS);
  const mismatch = found && found.why !== 'still_video' && found.why !== 'black_video' && aerial ? undefined : found;
  return { motion, offset, ...(mismatch ? { mismatch } : {}) };
}
