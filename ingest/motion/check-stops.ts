/**
 * Do the video's stops fit the track anywhere? A camera that stood still for seconds (a red light, a stop sign) was on
 * a car that stood still. When every offset at which the track could pass validation (it must cover the video to
 * within validation's tolerance, ingest/validate videoCoverageToleranceS) puts one of the video's stops on a stretch where the
 * track drives on at speed, the track is not this video's: a real video uploaded with a track from elsewhere whose
 * speed profile is too steady for the offset search to judge (findOffset's "unknown") is caught here.
 *
 * Why these bounds: on generated drives a stopped camera's flow is ~1-4 px/s per pair (spikes to 7 on the renderer's
 * noise) against 20-90 px/s moving, and its speed proxy falls to under a tenth of the moving median; a stop is a run
 * of at least 2 s where both hold. A car at 4 m/s and more is unmistakably moving (GPS speed noise at a standstill is
 * under 1 m/s, a walk is under 2). A video without such a stop, or a track without an offset
 * that covers it, is not judged.
 */
import { videoCoverageToleranceS } from '../validate/index.ts';
import type { MotionSample } from './measure-motion.ts';
import { profileAt, type TrackProfile } from './track-profile.ts';

/** Shortest stop judged, seconds. */
const MIN_STOP_S = 2;
/** A stop: forward-speed proxy under this fraction of the video's median, and flow (9-pair moving median) under STOP_FLOW. */
const STOP_FRACTION = 0.2;
/** Image flow of a camera at a standstill, analysed pixels per second (the analysed width is ~200 px for every video). */
const STOP_FLOW = 5;
/** Track speed that contradicts a stopped camera, m/s, throughout the stop. */
const DRIVING_MS = 4;
/** Offset step of the scan, ms. */
const STEP_MS = 100;
/** Pairs in the moving median of the flow (single pairs spike on the renderer's and the sensor's noise). */
const FLOW_WINDOW = 9;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

/**
 * Runs of the video at a standstill, media seconds [from, to]: both the forward-speed proxy (small against the video's
 * own median: a far-away scene on a highway also diverges little, hence the second test) and the image flow (small in
 * absolute terms: a moving car's road surface and markings always flow) say so. An unmeasurable pair ends a run.
 */
export function stillRuns(samples: readonly MotionSample[]): Array<[number, number]> {
  const measured = samples.filter((s) => !Number.isNaN(s.speed));
  if (measured.length === 0) return [];
  const speedLimit = STOP_FRACTION * median(measured.map((s) => Math.abs(s.speed)));
  const half = FLOW_WINDOW >> 1;
  const runs: Array<[number, number]> = [];
  let start: number | undefined;
  let last = 0;
  for (const [i, s] of samples.entries()) {
    const near = samples.slice(Math.max(0, i - half), i + half + 1).filter((x) => !Number.isNaN(x.speed));
    const still =
      !Number.isNaN(s.speed) && Math.abs(s.speed) < speedLimit && median(near.map((x) => x.flow)) < STOP_FLOW;
    if (still && start === undefined) start = s.t;
    if (!still && start !== undefined) {
      if (last - start >= MIN_STOP_S) runs.push([start, last]);
      start = undefined;
    }
    if (still) last = s.t;
  }
  if (start !== undefined && last - start >= MIN_STOP_S) runs.push([start, last]);
  return runs;
}

/** Whether the track drives at speed through the whole of [fromMs, toMs] (undefined where it has no data). */
function drivingThroughout(track: TrackProfile, fromMs: number, toMs: number): boolean {
  for (let ms = fromMs; ms <= toMs; ms += STEP_MS) {
    const v = profileAt(track, track.speed, ms);
    if (!(v > DRIVING_MS)) return false;
  }
  return true;
}

/**
 * The stops contradiction, if any: the video's stops, and how many candidate offsets (every 100 ms within `rangeS`
 * of the claim at which the track covers the video) all put a stop on a moving track. Undefined when the video has
 * no stop, no offset covers it, or one offset fits.
 */
export function stopsContradict(
  samples: readonly MotionSample[],
  track: TrackProfile,
  opts: { claimedT0Ms: number; durationS: number; rangeS: number },
): { stops: Array<[number, number]>; offsetsChecked: number } | undefined {
  const stops = stillRuns(samples);
  if (stops.length === 0) return undefined;
  const trackEndMs = track.startMs + (track.speed.length - 1) * track.stepS * 1000;
  const tolMs = videoCoverageToleranceS(opts.durationS) * 1000;
  let checked = 0;
  for (let d = -opts.rangeS * 1000; d <= opts.rangeS * 1000; d += STEP_MS) {
    const t0 = opts.claimedT0Ms + d;
    const covered = track.startMs - t0 <= tolMs && t0 + opts.durationS * 1000 - trackEndMs <= tolMs;
    if (!covered) continue;
    const contradicted = stops.some(([a, b]) => drivingThroughout(track, t0 + a * 1000, t0 + b * 1000));
    if (!contradicted) return undefined;
    checked++;
  }
  return checked > 0 ? { stops, offsetsChecked: checked } : undefined;
}
