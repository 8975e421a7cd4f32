/** Turns the Viterbi's chosen states into the ordered pieces driven, with entry and exit fractions and times. */

import type { RoadGraph } from './match-graph.ts';
import type { MatchedPiece } from './match-types.ts';
import type { Router } from './shortest-path.ts';

/** One chosen state: a position `pos` metres along directed arc `arc` at Unix ms `t`. */
export interface Visit {
  arc: number;
  pos: number;
  t: number;
  /** Route length bound of the transition into this visit (unused for the first). */
  limit: number;
}

/**
 * The pieces driven through consecutive visits: on the same arc the piece grows (a step back of up to `backM`, which
 * the matcher reads as fix noise, does not shrink it), otherwise the router's route fills in, with times
 * interpolated by distance.
 */
export function piecesOf(g: RoadGraph, router: Router, visits: ReadonlyArray<Visit>, backM: number): MatchedPiece[] {
  const pieces: MatchedPiece[] = [];
  const v0 = visits[0];
  if (!v0) return pieces;
  let cur = { arc: v0.arc, start: v0.pos, end: v0.pos, t0: v0.t, t1: v0.t };
  const push = (): void => {
    if (cur.end - cur.start > 1e-6) pieces.push(toPiece(g, cur.arc, cur.start, cur.end, cur.t0, cur.t1));
  };
  for (let k = 1; k < visits.length; k++) {
    const a = visits[k - 1] as Visit;
    const b = visits[k] as Visit;
    if (a.arc === b.arc && b.pos >= a.pos - backM) {
      cur.end = Math.max(cur.end, b.pos);
      cur.t1 = b.t;
      continue;
    }
    const La = g.edgeLength[a.arc >> 1] as number;
    const arcs = router.path(a.arc, b.arc, b.limit) ?? [];
    let total = La - a.pos + b.pos;
    for (const arc of arcs) total += g.edgeLength[arc >> 1] as number;
    const tAt = (x: number): number => (total > 0 ? a.t + ((b.t - a.t) * x) / total : b.t);
    let x = La - a.pos;
    cur.end = La;
    cur.t1 = tAt(x);
    push();
    for (const arc of arcs) {
      const len = g.edgeLength[arc >> 1] as number;
      pieces.push(toPiece(g, arc, 0, len, tAt(x), tAt(x + len)));
      x += len;
    }
    cur = { arc: b.arc, start: 0, end: b.pos, t0: tAt(x), t1: b.t };
  }
  push();
  return pieces;
}

function toPiece(g: RoadGraph, arc: number, start: number, end: number, t0: number, t1: number): MatchedPiece {
  const e = arc >> 1;
  const L = g.edgeLength[e] as number;
  const fwd = (arc & 1) === 0;
  return {
    pieceId: g.pieces[e]?.id ?? '',
    edge: e,
    direction: fwd ? 1 : -1,
    from: fwd ? start / L : 1 - start / L,
    to: fwd ? end / L : 1 - end / L,
    lengthM: end - start,
    enterT: t0,
    exitT: t1,
  };
}
