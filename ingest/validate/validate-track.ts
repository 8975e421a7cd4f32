/**
 * validateTrack: runs every check in pipeline order, drops what is bad where the rest is sound, splits where the
 * track cannot be bridged, and decides a verdict. Pure: the same track and options give the same report.
 */

import type { Track, TrackPoint } from '../../core/index.ts';
import { haversine } from '../../core/index.ts';
import { impossibleAcceleration, impossibleSpeed, motionFindings, splitAtGaps, splitAtJumps } from './check-motion.ts';
import { checkNullIsland, checkOutOfRange, checkPoorFix, checkTimeOrder } from './check-points.ts';
import { checkTooPerfect, checkTooShort, checkVideoCoverage, type VideoSpan } from './check-track.ts';
import { runsOf } from './findings.ts';
import { median } from './local-metrics.ts';
import { jitterStats } from './perfect-stats.ts';
import { replayCandidates, replaySimilarity, type TrackFingerprint, trackFingerprint } from './replay.ts';
import { THRESHOLDS } from './thresholds.ts';
import type { Finding, ReasonCode, ValidationReport } from './types.ts';

/** What validateTrack may know beyond the track. */
export interface ValidateOptions {
  /** The video the track belongs to, on the GPS clock; enables `video_duration_mismatch`. */
  video?: VideoSpan;
  /** Fingerprints of earlier uploads near this one (the job looks them up by bbox); enables `replay`. */
  earlier?: readonly TrackFingerprint[];
  /** "Now" for the future-time check, Unix ms; default Date.now(). */
  nowMs?: number;
}

function segmentLength(points: readonly TrackPoint[], seg: readonly number[]): number {
  let len = 0;
  for (let k = 1; k < seg.length; k++) {
    const a = points[seg[k - 1] as number] as TrackPoint;
    const b = points[seg[k] as number] as TrackPoint;
    len += haversine(a.lat, a.lon, b.lat, b.lon);
  }
  return len;
}

/** Removes positions `bad` from a piece and returns the runs of what is left. */
function cut(piece: readonly number[], bad: ReadonlySet<number>): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  piece.forEach((idx, pos) => {
    if (bad.has(pos)) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(idx);
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Validates a track: findings with reason codes, the usable points, the verdict and summary stats. */
export function validateTrack(track: Track, opts: ValidateOptions = {}): ValidationReport {
  const points = track.points;
  const reasons: Finding[] = [];
  const dropped = new Set<number>();
  const dropCount = new Map<ReasonCode, number>();
  const apply = (r: { findings: Finding[]; drop: number[] }, code?: ReasonCode) => {
    reasons.push(...r.findings);
    for (const i of r.drop) {
      if (dropped.has(i)) continue;
      dropped.add(i);
      const c = code ?? r.findings[0]?.code;
      if (c) dropCount.set(c, (dropCount.get(c) ?? 0) + 1);
    }
  };
  const alive = () => points.map((_, i) => i).filter((i) => !dropped.has(i));

  // 1. Single fixes. Ranges first: later checks need finite numbers.
  const ranged = checkOutOfRange(points, opts.nowMs ?? Date.now());
  apply(ranged, 'out_of_range');
  const sane = (i: number) => !dropped.has(i);
  const subset = (idx: number[]) => idx.filter(sane);
  const nullIsland = checkNullIsland(points);
  apply({ findings: nullIsland.findings, drop: subset(nullIsland.drop) }, 'null_island');
  const poor = checkPoorFix(points);
  apply({ findings: poor.findings, drop: subset(poor.drop) }, 'poor_fix');
  const timeOrder = checkTimeOrder(points, alive());
  const back = new Set(timeOrder.back);
  apply({ findings: timeOrder.findings, drop: timeOrder.back }, 'non_monotonic_time');
  apply({ findings: [], drop: timeOrder.drop.filter((i) => !back.has(i)) }, 'duplicate_timestamps');

  // 2. Between fixes: gaps split, jumps drop or split, impossible speed and acceleration drop.
  const gaps = splitAtGaps(points, alive());
  reasons.push(...gaps.findings);
  let pieces: number[][] = [];
  for (const piece of gaps.pieces) {
    const j = splitAtJumps(points, piece);
    apply(j, 'teleport');
    pieces.push(...j.pieces);
  }
  const speedBad: number[] = [];
  const accelBad: number[] = [];
  let duration = 0;
  let speedBadS = 0;
  const next: number[][] = [];
  for (const piece of pieces) {
    const bad = impossibleSpeed(points, piece);
    const ps = [...bad].map((p) => piece[p] as number);
    speedBad.push(...ps);
    for (const [a, b] of runsOf(ps)) speedBadS += ((points[b] as TrackPoint).t - (points[a] as TrackPoint).t) / 1000;
    duration +=
      ((points[piece[piece.length - 1] as number] as TrackPoint).t - (points[piece[0] as number] as TrackPoint).t) /
      1000;
    for (const rest of cut(piece, bad)) {
      const acc = impossibleAcceleration(points, rest);
      accelBad.push(...[...acc].map((p) => rest[p] as number));
      next.push(...cut(rest, acc));
    }
  }
  apply({ findings: motionFindings('impossible_speed', points, speedBad), drop: speedBad }, 'impossible_speed');
  apply(
    { findings: motionFindings('impossible_acceleration', points, accelBad), drop: accelBad },
    'impossible_acceleration',
  );
  if (duration > 0 && speedBadS / duration > THRESHOLDS.speed.rejectFraction) {
    reasons.push({
      code: 'impossible_speed',
      severity: 'reject',
      message: `${Math.round((100 * speedBadS) / duration)} % of the track's time is faster than 250 km/h: clock or positions manipulated`,
      details: { impossibleS: Math.round(speedBadS), durationS: Math.round(duration) },
    });
  }
  pieces = next.filter((p) => p.length >= 2);
  for (const p of next) if (p.length < 2) for (const i of p) dropped.add(i);

  // 3. The kept track.
  const keptIdx = pieces.flat();
  const kept = keptIdx.map((i) => points[i] as TrackPoint);
  const segments: Array<[number, number]> = [];
  let at = 0;
  let lengthM = 0;
  let durationS = 0;
  const intervals: number[] = [];
  for (const p of pieces) {
    segments.push([at, at + p.length - 1]);
    at += p.length;
    lengthM += segmentLength(points, p);
    durationS +=
      ((points[p[p.length - 1] as number] as TrackPoint).t - (points[p[0] as number] as TrackPoint).t) / 1000;
    for (let k = 1; k < p.length; k++)
      intervals.push(((points[p[k] as number] as TrackPoint).t - (points[p[k - 1] as number] as TrackPoint).t) / 1000);
  }
  const jitter = jitterStats(kept);

  // 4. Whole-track checks.
  const badTime = new Set(ranged.drop);
  const timed = points.map((_, i) => i).filter((i) => !badTime.has(i));
  reasons.push(...checkTooPerfect(jitter));
  if (opts.video) reasons.push(...checkVideoCoverage(points, timed, opts.video));
  reasons.push(...checkTooShort(kept.length, lengthM));
  const badFraction = points.length > 0 ? (points.length - kept.length) / points.length : 0;
  if (points.length > 0 && badFraction > THRESHOLDS.maxBadFraction) {
    const [code, count] = [...dropCount.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['too_short', 0];
    reasons.push({
      code,
      severity: 'reject',
      message: `${points.length - kept.length} of ${points.length} fixes are unusable (most: ${count} for ${code})`,
      details: { droppedPoints: points.length - kept.length, fraction: Number(badFraction.toFixed(3)) },
    });
  }
  const trimmed: Track = { ...track, points: kept };
  if (opts.earlier && opts.earlier.length > 0 && kept.length > 0) {
    const fp = trackFingerprint(trimmed);
    for (const c of replayCandidates(fp, opts.earlier)) {
      const s = replaySimilarity(fp, c);
      if (!s.replay) continue;
      reasons.push({
        code: 'replay',
        severity: 'reject',
        message:
          `${Math.round(s.overlap * 100)} % of the path matches an upload from ${new Date(c.startMs).toISOString()} ` +
          `to ${s.spreadM.toFixed(2)} m (${s.kind === 'replay' ? `same timing, shifted ${s.timeShiftS.toFixed(0)} s` : 'geometry copied'})`,
        details: {
          earlierStartMs: c.startMs,
          geometric: s.geometric,
          temporal: s.temporal,
          spreadM: s.spreadM,
          kind: s.kind,
        },
      });
      break;
    }
  }

  const rejected = reasons.some((f) => f.severity === 'reject');
  const trimmedAny = kept.length < points.length || segments.length > 1;
  return {
    verdict: rejected ? 'rejected' : trimmedAny ? 'accepted_with_trims' : 'accepted',
    reasons,
    trimmed,
    segments,
    stats: {
      points: points.length,
      keptPoints: kept.length,
      segments: segments.length,
      lengthM: Math.round(lengthM * 10) / 10,
      durationS,
      medianIntervalS: intervals.length > 0 ? median(intervals) : 0,
      jitterM: Number.isFinite(jitter.medianResidualM) ? Number(jitter.medianResidualM.toFixed(3)) : null,
    },
  };
}
