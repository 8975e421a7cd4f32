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

/** Findings so far and the points dropped, counted by the reason that dropped them first. */
class Ledger {
  readonly reasons: Finding[] = [];
  readonly dropped = new Set<number>();
  readonly dropCount = new Map<ReasonCode, number>();

  constructor(private readonly size: number) {}

  apply(r: { findings: Finding[]; drop: number[] }, code?: ReasonCode): void {
    this.reasons.push(...r.findings);
    for (const i of r.drop) {
      if (this.dropped.has(i)) continue;
      this.dropped.add(i);
      const c = code ?? r.findings[0]?.code;
      if (c) this.dropCount.set(c, (this.dropCount.get(c) ?? 0) + 1);
    }
  }

  alive(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (!this.dropped.has(i)) out.push(i);
    return out;
  }
}

/** Step 1, single fixes. Ranges first: later checks need finite numbers. Returns the out-of-range indices. */
function checkSingleFixes(points: readonly TrackPoint[], ledger: Ledger, nowMs: number): number[] {
  const ranged = checkOutOfRange(points, nowMs);
  ledger.apply(ranged, 'out_of_range');
  const subset = (idx: number[]) => idx.filter((i) => !ledger.dropped.has(i));
  const nullIsland = checkNullIsland(points);
  ledger.apply({ findings: nullIsland.findings, drop: subset(nullIsland.drop) }, 'null_island');
  const poor = checkPoorFix(points);
  ledger.apply({ findings: poor.findings, drop: subset(poor.drop) }, 'poor_fix');
  const timeOrder = checkTimeOrder(points, ledger.alive());
  const back = new Set(timeOrder.back);
  ledger.apply({ findings: timeOrder.findings, drop: timeOrder.back }, 'non_monotonic_time');
  ledger.apply({ findings: [], drop: timeOrder.drop.filter((i) => !back.has(i)) }, 'duplicate_timestamps');
  return ranged.drop;
}

/** Step 2, between fixes: gaps split, jumps drop or split, impossible speed and acceleration drop. */
function checkBetweenFixes(points: readonly TrackPoint[], ledger: Ledger): number[][] {
  const gaps = splitAtGaps(points, ledger.alive());
  ledger.reasons.push(...gaps.findings);
  const pieces: number[][] = [];
  for (const piece of gaps.pieces) {
    const j = splitAtJumps(points, piece);
    ledger.apply(j, 'teleport');
    pieces.push(...j.pieces);
  }
  const time = (i: number | undefined) => (points[i as number] as TrackPoint).t;
  const speedBad: number[] = [];
  const accelBad: number[] = [];
  let duration = 0;
  let speedBadS = 0;
  const next: number[][] = [];
  for (const piece of pieces) {
    const bad = impossibleSpeed(points, piece);
    const ps = [...bad].map((p) => piece[p] as number);
    speedBad.push(...ps);
    for (const [a, b] of runsOf(ps)) speedBadS += (time(b) - time(a)) / 1000;
    duration += (time(piece[piece.length - 1]) - time(piece[0])) / 1000;
    for (const rest of cut(piece, bad)) {
      const acc = impossibleAcceleration(points, rest);
      accelBad.push(...[...acc].map((p) => rest[p] as number));
      next.push(...cut(rest, acc));
    }
  }
  ledger.apply({ findings: motionFindings('impossible_speed', points, speedBad), drop: speedBad }, 'impossible_speed');
  ledger.apply(
    { findings: motionFindings('impossible_acceleration', points, accelBad), drop: accelBad },
    'impossible_acceleration',
  );
  if (duration > 0 && speedBadS / duration > THRESHOLDS.speed.rejectFraction) {
    ledger.reasons.push({
      code: 'impossible_speed',
      severity: 'reject',
      message: `${Math.round((100 * speedBadS) / duration)} % of the track's time is faster than 250 km/h: clock or positions manipulated`,
      details: { impossibleS: Math.round(speedBadS), durationS: Math.round(duration) },
    });
  }
  for (const p of next) if (p.length < 2) for (const i of p) ledger.dropped.add(i);
  return next.filter((p) => p.length >= 2);
}

/** Step 3, the kept track: its points, segments, length, duration and fix intervals. */
function keptTrack(points: readonly TrackPoint[], pieces: number[][]) {
  const kept = pieces.flat().map((i) => points[i] as TrackPoint);
  const time = (i: number | undefined) => (points[i as number] as TrackPoint).t;
  const segments: Array<[number, number]> = [];
  let at = 0;
  let lengthM = 0;
  let durationS = 0;
  const intervals: number[] = [];
  for (const p of pieces) {
    segments.push([at, at + p.length - 1]);
    at += p.length;
    lengthM += segmentLength(points, p);
    durationS += (time(p[p.length - 1]) - time(p[0])) / 1000;
    for (let k = 1; k < p.length; k++) intervals.push((time(p[k]) - time(p[k - 1])) / 1000);
  }
  return { kept, segments, lengthM, durationS, intervals };
}

/** Step 4, whole-track checks: too perfect, video coverage, too short, too many fixes dropped. */
function checkWholeTrack(
  points: readonly TrackPoint[],
  ledger: Ledger,
  k: { kept: TrackPoint[]; lengthM: number; jitter: ReturnType<typeof jitterStats>; badTime: number[] },
  video: VideoSpan | undefined,
): void {
  const { reasons } = ledger;
  const badTime = new Set(k.badTime);
  reasons.push(...checkTooPerfect(k.jitter));
  if (video) {
    const timed: number[] = [];
    for (let i = 0; i < points.length; i++) if (!badTime.has(i)) timed.push(i);
    reasons.push(...checkVideoCoverage(points, timed, video));
  }
  reasons.push(...checkTooShort(k.kept.length, k.lengthM));
  const badFraction = points.length > 0 ? (points.length - k.kept.length) / points.length : 0;
  if (points.length > 0 && badFraction > THRESHOLDS.maxBadFraction) {
    const [code, count] = [...ledger.dropCount.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['too_short', 0];
    reasons.push({
      code,
      severity: 'reject',
      message: `${points.length - k.kept.length} of ${points.length} fixes are unusable (most: ${count} for ${code})`,
      details: { droppedPoints: points.length - k.kept.length, fraction: Number(badFraction.toFixed(3)) },
    });
  }
}

/** Step 5, replay: the first earlier upload whose path (and maybe timing) this track copies. */
function replayFinding(trimmed: Track, earlier: readonly TrackFingerprint[]): Finding | undefined {
  const fp = trackFingerprint(trimmed);
  for (const c of replayCandidates(fp, earlier)) {
    const s = replaySimilarity(fp, c);
    if (!s.replay) continue;
    return {
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
    };
  }
  return undefined;
}

/** Validates a track: findings with reason codes, the usable points, the verdict and summary stats. */
export function validateTrack(track: Track, opts: ValidateOptions = {}): ValidationReport {
  const points = track.points;
  const ledger = new Ledger(points.length);
  const badTime = checkSingleFixes(points, ledger, opts.nowMs ?? Date.now());
  const pieces = checkBetweenFixes(points, ledger);
  const { kept, segments, lengthM, durationS, intervals } = keptTrack(points, pieces);
  const jitter = jitterStats(kept);
  checkWholeTrack(points, ledger, { kept, lengthM, jitter, badTime }, opts.video);
  const trimmed: Track = { ...track, points: kept };
  if (opts.earlier && opts.earlier.length > 0 && kept.length > 0) {
    const replay = replayFinding(trimmed, opts.earlier);
    if (replay) ledger.reasons.push(replay);
  }
  const reasons = ledger.reasons;
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
