/** Building findings: group flagged point indices into runs so a report lists stretches, not thousands of points. */
import type { TrackPoint } from '../../core/index.ts';
import type { Finding, ReasonCode, Severity, Where } from './types.ts';

/** At most this many findings per code; the rest are summed into the last one's `details.more`. */
export const MAX_FINDINGS_PER_CODE = 20;

/** Result of one check: findings and the input indices it wants dropped. */
export interface CheckResult {
  findings: Finding[];
  drop: number[];
}

/** The `where` of an index range, with times when they are finite. */
export function where(points: readonly TrackPoint[], first: number, last: number): Where {
  const a = points[first]?.t ?? Number.NaN;
  const b = points[last]?.t ?? Number.NaN;
  return { first, last, startMs: Number.isFinite(a) ? a : -1, endMs: Number.isFinite(b) ? b : -1 };
}

/** Sorted indices grouped into runs of consecutive numbers, as [first, last] pairs. */
export function runsOf(indices: readonly number[]): Array<[number, number]> {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else out.push([i, i]);
  }
  return out;
}

/** One finding per run of flagged points, capped at MAX_FINDINGS_PER_CODE. */
export function runFindings(
  code: ReasonCode,
  severity: Severity,
  points: readonly TrackPoint[],
  indices: readonly number[],
  describe: (count: number) => string,
): Finding[] {
  const runs = runsOf(indices);
  const out: Finding[] = [];
  for (const [k, [first, last]] of runs.entries()) {
    if (k === MAX_FINDINGS_PER_CODE) {
      const rest = runs.slice(k).reduce((s, [a, b]) => s + b - a + 1, 0);
      const prev = out[out.length - 1];
      if (prev) prev.details = { ...prev.details, more: rest };
      break;
    }
    out.push({ code, severity, message: describe(last - first + 1), where: where(points, first, last) });
  }
  return out;
}
