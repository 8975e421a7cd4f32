/** Checks of single fixes: coordinates and times in range, not at 0,0, a real fix, time moving forward. */

import type { TrackPoint } from '../../core/index.ts';
import { haversine } from '../../core/index.ts';
import { type CheckResult, runFindings } from './findings.ts';
import { THRESHOLDS } from './thresholds.ts';

/** `out_of_range`: latitude/longitude outside WGS84 ranges or not numbers; a time before 1980 or in the future. */
export function checkOutOfRange(points: readonly TrackPoint[], nowMs: number): CheckResult {
  const { minMs, maxFutureMs } = THRESHOLDS.time;
  const badPos: number[] = [];
  const badTime: number[] = [];
  points.forEach((p, i) => {
    if (!(Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180))
      badPos.push(i);
    else if (!(Number.isFinite(p.t) && p.t >= minMs && p.t <= nowMs + maxFutureMs)) badTime.push(i);
  });
  const findings = [
    ...runFindings('out_of_range', 'trim', points, badPos, (n) => `${n} fix(es) with latitude/longitude out of range`),
    ...runFindings(
      'out_of_range',
      'trim',
      points,
      badTime,
      (n) => `${n} fix(es) with a missing time or one before the GPS epoch (1980-01-06) or in the future`,
    ),
  ];
  return { findings, drop: [...badPos, ...badTime] };
}

/** `null_island`: fixes at or near 0,0, the default of receivers without a position. */
export function checkNullIsland(points: readonly TrackPoint[]): CheckResult {
  const drop: number[] = [];
  points.forEach((p, i) => {
    if (Math.abs(p.lat) < 1 && Math.abs(p.lon) < 1 && haversine(0, 0, p.lat, p.lon) <= THRESHOLDS.nullIsland.radiusM)
      drop.push(i);
  });
  const findings = runFindings(
    'null_island',
    'trim',
    points,
    drop,
    (n) => `${n} fix(es) within ${THRESHOLDS.nullIsland.radiusM / 1000} km of 0,0 (receiver default position)`,
  );
  return { findings, drop };
}

/** `poor_fix`: the receiver said it had no fix, too few satellites, or HDOP too high (only when it says). */
export function checkPoorFix(points: readonly TrackPoint[]): CheckResult {
  const { maxHdop, minSatellites } = THRESHOLDS.fix;
  const drop: number[] = [];
  points.forEach((p, i) => {
    if (p.fix === 0 || (p.hdop !== undefined && p.hdop > maxHdop)) drop.push(i);
    else if (p.satellites !== undefined && p.satellites > 0 && p.satellites < minSatellites) drop.push(i);
  });
  const findings = runFindings(
    'poor_fix',
    'trim',
    points,
    drop,
    (n) => `${n} fix(es) with no fix, HDOP > ${maxHdop} or fewer than ${minSatellites} satellites`,
  );
  return { findings, drop };
}

/**
 * `non_monotonic_time` and `duplicate_timestamps` over the fixes still kept (`order`, ascending input indices):
 * a fix earlier than the last kept one is dropped; a fix with the same time is dropped (info when it repeats the
 * same position, a trim when it contradicts it).
 */
export function checkTimeOrder(
  points: readonly TrackPoint[],
  order: readonly number[],
): CheckResult & { back: number[] } {
  const back: number[] = [];
  const sameDup: number[] = [];
  const conflictDup: number[] = [];
  let last: TrackPoint | undefined;
  for (const i of order) {
    const p = points[i] as TrackPoint;
    if (last && p.t < last.t) back.push(i);
    else if (last && p.t === last.t) {
      const d = haversine(last.lat, last.lon, p.lat, p.lon);
      (d <= THRESHOLDS.duplicate.samePositionM ? sameDup : conflictDup).push(i);
    } else last = p;
  }
  const findings = [
    ...runFindings('non_monotonic_time', 'trim', points, back, (n) => `${n} fix(es) earlier than the fix before`),
    ...runFindings('duplicate_timestamps', 'info', points, sameDup, (n) => `${n} repeated fix(es) dropped`),
    ...runFindings(
      'duplicate_timestamps',
      'trim',
      points,
      conflictDup,
      (n) => `${n} fix(es) with the time of the previous fix but another position`,
    ),
  ];
  return { findings, drop: [...back, ...sameDup, ...conflictDup], back };
}
