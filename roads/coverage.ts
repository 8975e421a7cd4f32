import type { MatchResult } from './match-track.ts';

/**
 * A piece counts as covered by an upload when at least this fraction of its length was traversed with validated
 * GPS ("most of its length"). 0.6 rather than 0.5: matches near a junction often clip a few metres of a piece.
 */
export const COVERAGE_THRESHOLD = 0.6;

/** One piece's coverage by one upload. */
export interface PieceCoverage {
  segmentId: string;
  fraction: number;
  /** When the upload first entered the piece, Unix ms. */
  coveredAt: number;
  counted: boolean;
}

/**
 * Coverage per piece from a match: the union of the traversed intervals of each piece (a piece driven twice, or
 * entered and left at both ends, is not counted twice), as a fraction of its length.
 */
export function coverageOf(match: MatchResult, threshold = COVERAGE_THRESHOLD): PieceCoverage[] {
  const spans = new Map<string, { intervals: Array<[number, number]>; at: number }>();
  for (const sub of match.subMatches) {
    for (const p of sub.pieces) {
      const lo = Math.max(0, Math.min(p.from, p.to));
      const hi = Math.min(1, Math.max(p.from, p.to));
      const s = spans.get(p.pieceId) ?? { intervals: [], at: p.enterT };
      s.intervals.push([lo, hi]);
      s.at = Math.min(s.at, p.enterT);
      spans.set(p.pieceId, s);
    }
  }
  const out: PieceCoverage[] = [];
  for (const [segmentId, s] of spans) {
    s.intervals.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let [curLo, curHi] = s.intervals[0]!;
    for (const [lo, hi] of s.intervals.slice(1)) {
      if (lo > curHi) {
        covered += curHi - curLo;
        [curLo, curHi] = [lo, hi];
      } else curHi = Math.max(curHi, hi);
    }
    covered += curHi - curLo;
    const fraction = Math.min(1, covered);
    out.push({ segmentId, fraction, coveredAt: s.at, counted: fraction >= threshold });
  }
  return out.sort((a, b) => a.coveredAt - b.coveredAt || a.segmentId.localeCompare(b.segmentId));
}
