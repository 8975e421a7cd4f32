/**
 * The motion check of a loaded drive, between loading and validating it: each video's own motion is compared with
 * the track (ingest/motion). A manual `timeOffsetMs` wins over everything and skips the check. An untrusted clock
 * (creation_time, manifest start) is replaced by a confident motion offset (source `motion`); any clock, even
 * embedded telemetry, that disagrees with a confident motion offset by more than a second is flagged
 * (`clock_disagrees_with_motion`, a warning); a video whose motion contradicts the track is `motion_mismatch`
 * (a rejection: the upload is quarantined before sampling, so nothing is stored or booked).
 */

import { invalid } from '../core/index.ts';
import { clipGaps, type Drive, type DriveTiming } from './load-drive.ts';
import { CLOCK_TOLERANCE_MS, checkVideoMotion, UNTRUSTED_CLOCKS } from './motion/index.ts';
import type { Finding } from './validate/index.ts';

/** Motion findings of a drive, and the drive with its videos re-placed where motion was confident. */
export async function alignByMotion(drive: Drive, timing: DriveTiming = {}): Promise<Finding[]> {
  if (timing.timeOffsetMs !== undefined) return [];
  const findings: Finding[] = [];
  for (const v of drive.videos) {
    const claimed = v.align;
    const check = await checkVideoMotion({
      probe: v.probe,
      track: drive.track,
      ...searchAround(drive, v),
      claimedBy: claimed.source,
    });
    if (claimed.source === 'unplaced' && check.motion.offsetMs === undefined && !check.mismatch) {
      throw invalid(
        'video_unaligned',
        `${v.name}: cannot place the video in time: no manifest offset, no embedded telemetry, no creation_time, no manifest startTime, and its motion matches the track nowhere with confidence (best ${check.motion.confidence})`,
        { file: v.name, motionConfidence: check.motion.confidence },
      );
    }
    v.align = { ...claimed, motion: check.motion };
    const { offsetMs, confidence } = check.motion;
    if (check.mismatch) {
      findings.push({
        code: 'motion_mismatch',
        severity: 'reject',
        message: `${v.name}: the video's motion contradicts the track (${check.mismatch.why.replaceAll('_', ' ')})`,
        details: { video: v.name, why: check.mismatch.why, ...check.mismatch.details },
      });
      continue;
    }
    if (offsetMs === undefined) continue;
    if (UNTRUSTED_CLOCKS.includes(claimed.source)) {
      const t0Ms = check.motion.claimedT0Ms + offsetMs;
      v.align = {
        ...v.align,
        t0Ms,
        source: 'motion',
        detail: `motion: ${claimed.source} ${offsetMs >= 0 ? '+' : ''}${offsetMs} ms (confidence ${confidence})`,
        coverage: coverageOf(drive, v.probe.durationS, t0Ms),
      };
    }
    if (claimed.source !== 'unplaced' && Math.abs(offsetMs) > CLOCK_TOLERANCE_MS) {
      findings.push({
        code: 'clock_disagrees_with_motion',
        severity: 'warn',
        message: `${v.name}: its ${claimed.source.replaceAll('_', ' ')} clock is ${(offsetMs / 1000).toFixed(2)} s off the video's motion`,
        details: {
          video: v.name,
          clock: claimed.source,
          clockT0Ms: claimed.t0Ms,
          motionOffsetMs: offsetMs,
          confidence,
        },
      });
    }
  }
  drive.videos.sort((a, b) => a.align.t0Ms - b.align.t0Ms);
  drive.gaps = clipGaps(drive.videos);
  return findings;
}

/**
 * Where to search: +-30 s around a clock's claim; for an unplaced video, every placement inside the track (the
 * search is symmetric, so around the middle one, 5 s beyond either end).
 */
function searchAround(drive: Drive, v: Drive['videos'][number]): { claimedT0Ms: number; rangeS?: number } {
  if (v.align.source !== 'unplaced') return { claimedT0Ms: v.align.t0Ms };
  const pts = drive.track.points;
  const first = pts[0]?.t ?? v.align.t0Ms;
  const last = pts[pts.length - 1]?.t ?? first;
  const slackS = Math.max(0, (last - first) / 1000 - v.probe.durationS);
  return { claimedT0Ms: first + (slackS / 2) * 1000, rangeS: slackS / 2 + 5 };
}

/** Fraction of a video placed at `t0Ms` that the drive's track covers. */
function coverageOf(drive: Drive, durationS: number, t0Ms: number): number {
  const pts = drive.track.points;
  const first = pts[0]?.t;
  const last = pts[pts.length - 1]?.t;
  if (first === undefined || last === undefined || !(durationS > 0)) return 0;
  return Math.max(0, Math.min(t0Ms + durationS * 1000, last) - Math.max(t0Ms, first)) / (durationS * 1000);
}
