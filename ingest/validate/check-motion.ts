/** Checks between fixes: time gaps, jumps (outliers and teleports), impossible speed and acceleration. */

import type { TrackPoint } from '../../core/index.ts';
import { haversine } from '../../core/index.ts';
import { type CheckResult, runFindings, where } from './findings.ts';
import { decimatedCumulative, dist, median, toLocal } from './local-metrics.ts';
import { THRESHOLDS } from './thresholds.ts';
import type { Finding } from './types.ts';

/** A check that cuts: findings, dropped input indices and the pieces (runs of input indices) that remain. */
export interface PieceResult extends CheckResult {
  pieces: number[][];
}

const sec = (points: readonly TrackPoint[], a: number, b: number) =>
  ((points[b] as TrackPoint).t - (points[a] as TrackPoint).t) / 1000;
const metres = (points: readonly TrackPoint[], a: number, b: number) => {
  const p = points[a] as TrackPoint;
  const q = points[b] as TrackPoint;
  return haversine(p.lat, p.lon, q.lat, q.lon);
};

/** `time_gap`: splits kept fixes (ascending times) at gaps over `gap.splitS`; shorter gaps over `gap.infoS` are noted. */
export function splitAtGaps(points: readonly TrackPoint[], order: readonly number[]): PieceResult {
  const { infoS, splitS } = THRESHOLDS.gap;
  const findings: Finding[] = [];
  const pieces: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    const prev = cur[cur.length - 1];
    if (prev !== undefined) {
      const gap = sec(points, prev, i);
      if (gap > infoS) {
        const split = gap > splitS;
        findings.push({
          code: 'time_gap',
          severity: split ? 'split' : 'info',
          message: `no fix for ${gap.toFixed(0)} s${split ? ' (track split here)' : ''}`,
          where: where(points, prev, i),
          details: { gapS: gap, distanceM: Math.round(metres(points, prev, i)) },
        });
        if (split) {
          pieces.push(cur);
          cur = [];
        }
      }
    }
    cur.push(i);
  }
  if (cur.length > 0) pieces.push(cur);
  return { findings, drop: [], pieces };
}

/**
 * `teleport`: a step longer than max speed x dt + the noise budget. When a fix within a few points comes back to
 * where the local speed says it should be, the fixes in between are an outlier burst and are dropped; when the
 * track continues from the new place it is a teleport and the track is split there (pieces too short to use, such
 * as a receiver converging after start, are dropped).
 */
export function splitAtJumps(points: readonly TrackPoint[], piece: readonly number[]): PieceResult {
  const J = THRESHOLDS.jump;
  const vmax = THRESHOLDS.speed.maxMps;
  const consistent = (a: number, b: number) => metres(points, a, b) <= vmax * sec(points, a, b) + J.noiseM;
  const findings: Finding[] = [];
  const drop: number[] = [];
  const raw: Array<{ idx: number[]; jumpFrom?: number }> = [];
  let cur: { idx: number[]; jumpFrom?: number } = { idx: piece.slice(0, 1) };
  let k = 1;
  while (k < piece.length) {
    const L = cur.idx[cur.idx.length - 1] as number;
    const p = piece[k] as number;
    if (consistent(L, p)) {
      cur.idx.push(p);
      k++;
      continue;
    }
    const recent: number[] = [];
    for (let m = Math.max(1, cur.idx.length - 5); m < cur.idx.length; m++) {
      const a = cur.idx[m - 1] as number;
      const b = cur.idx[m] as number;
      recent.push(metres(points, a, b) / Math.max(sec(points, a, b), 1e-3));
    }
    const vLocal = recent.length > 0 ? median(recent) : 0;
    const reach = Math.max(J.returnSpeedFloorMps, J.returnSpeedFactor * vLocal);
    let back = -1;
    for (let m = k + 1; m < piece.length && m - k <= J.maxSpikePoints; m++) {
      const q = piece[m] as number;
      if (sec(points, p, q) > J.maxSpikeS) break;
      if (metres(points, L, q) <= J.noiseM + reach * sec(points, L, q)) {
        back = m;
        break;
      }
    }
    const next = piece[k + 1];
    if (back >= 0 || next === undefined || !consistent(p, next)) {
      const end = back >= 0 ? back : k + 1;
      const burst = piece.slice(k, end);
      drop.push(...burst);
      findings.push({
        code: 'teleport',
        severity: 'trim',
        message: `${burst.length} fix(es) jumped ${Math.round(metres(points, L, p))} m away and back: outlier dropped`,
        where: where(points, p, burst[burst.length - 1] as number),
        details: { distanceM: Math.round(metres(points, L, p)), returned: back >= 0 },
      });
      k = end;
      continue;
    }
    raw.push(cur);
    cur = { idx: [p], jumpFrom: L };
    k++;
  }
  raw.push(cur);
  const pieces: number[][] = [];
  const kept = raw.map((r) => raw.length === 1 || r.idx.length >= J.minPiecePoints);
  for (const [n, r] of raw.entries()) {
    if (kept[n]) pieces.push(r.idx);
    else drop.push(...r.idx);
    if (r.jumpFrom === undefined) continue;
    const a = r.jumpFrom;
    const b = r.idx[0] as number;
    const d = metres(points, a, b);
    const split = kept[n] === true && kept[n - 1] === true;
    const dropped = kept[n] ? (raw[n - 1]?.idx.length ?? 0) : r.idx.length;
    findings.push({
      code: 'teleport',
      severity: split ? 'split' : 'trim',
      message: split
        ? `position jumped ${Math.round(d)} m in ${sec(points, a, b).toFixed(1)} s and continued from there: split`
        : `position jumped ${Math.round(d)} m; the ${dropped} fix(es) on the short side were dropped`,
      where: where(points, a, b),
      details: { distanceM: Math.round(d), speedMps: Math.round(d / Math.max(sec(points, a, b), 1e-3)) },
    });
  }
  return { findings, drop, pieces };
}

/** Every window [i, j] (positions in `piece`) where j is the first fix at least `windowS` after i. */
function windows(points: readonly TrackPoint[], piece: readonly number[], windowS: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < piece.length; i++) {
    if (j <= i) j = i + 1;
    while (j < piece.length && sec(points, piece[i] as number, piece[j] as number) < windowS) j++;
    if (j >= piece.length) break;
    out.push([i, j]);
  }
  return out;
}

/**
 * `impossible_speed`: path speed over every window of >= `speed.windowS`, path counted in steps of >= 20 m and
 * reduced by the noise budget, above `speed.maxMps`. Returns the positions within `piece` to drop.
 */
export function impossibleSpeed(points: readonly TrackPoint[], piece: readonly number[]): Set<number> {
  const S = THRESHOLDS.speed;
  const cum = decimatedCumulative(toLocal(piece.map((i) => points[i] as TrackPoint)), S.decimateM);
  const bad = new Set<number>();
  for (const [i, j] of windows(points, piece, S.windowS)) {
    const v =
      ((cum[j] as number) - (cum[i] as number) - S.noiseM) / sec(points, piece[i] as number, piece[j] as number);
    if (v > S.maxMps) for (let m = i; m <= j; m++) bad.add(m);
  }
  return bad;
}

/**
 * `impossible_acceleration`: chord speeds over consecutive windows of >= `acceleration.windowS`; a change between
 * neighbours above 0.8 g plus the noise allowance (two window speeds, each off by noiseM / window) marks both windows.
 */
export function impossibleAcceleration(points: readonly TrackPoint[], piece: readonly number[]): Set<number> {
  const A = THRESHOLDS.acceleration;
  const xy = toLocal(piece.map((i) => points[i] as TrackPoint));
  const blocks: Array<{ i: number; j: number; v: number; c: number; dt: number }> = [];
  let i = 0;
  while (i < piece.length - 1) {
    let j = i + 1;
    while (j < piece.length - 1 && sec(points, piece[i] as number, piece[j] as number) < A.windowS) j++;
    const dt = sec(points, piece[i] as number, piece[j] as number);
    const t0 = (points[piece[i] as number] as TrackPoint).t / 1000;
    blocks.push({ i, j, v: dist(xy[i]!, xy[j]!) / dt, c: t0 + dt / 2, dt });
    i = j;
  }
  const bad = new Set<number>();
  for (let b = 1; b < blocks.length; b++) {
    const p = blocks[b - 1]!;
    const q = blocks[b]!;
    if (p.dt < A.windowS || q.dt < A.windowS) continue;
    const span = q.c - p.c;
    const allowance = (A.noiseM / p.dt + A.noiseM / q.dt) / span;
    if (Math.abs(q.v - p.v) / span > A.maxMps2 + allowance) for (let m = p.i; m <= q.j; m++) bad.add(m);
  }
  return bad;
}

/** Findings for positions (within a piece) dropped by a motion check. */
export function motionFindings(
  code: 'impossible_speed' | 'impossible_acceleration',
  points: readonly TrackPoint[],
  dropped: readonly number[],
): Finding[] {
  const what = code === 'impossible_speed' ? 'faster than 250 km/h' : 'accelerating harder than 0.8 g';
  return runFindings(code, 'trim', points, dropped, (n) => `${n} fix(es) ${what} (noise allowed for): dropped`);
}
