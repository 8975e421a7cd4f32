/**
 * HMM map matching after P. Newson and J. Krumm, "Hidden Markov Map Matching Through Noise and Sparseness",
 * ACM SIGSPATIAL GIS 2009: candidates are road positions near each fix, emission is a Gaussian of the
 * fix-to-road distance, transition is an exponential of |route distance - great-circle distance|, and Viterbi picks
 * the likeliest sequence. States are directed (piece, direction), so oneway pieces are only driven their way.
 */
import { haversine } from '../core/geo.ts';
import type { TrackPoint } from '../core/track.ts';
import { CandidateBuffer } from './candidates.ts';
import { pointOnEdge, type RoadGraph, toLocal } from './road-graph.ts';
import { Router } from './shortest-path.ts';

/** Options of `matchTrack`; the defaults are the paper's. */
export interface MatchOptions {
  /** GPS noise sigma_z in metres; Newson & Krumm 2009 estimate 4.07 m from their Seattle drive (section 4.1). */
  sigmaZ?: number;
  /** Transition scale beta in metres; 3 m in the paper (section 4.2, their 1 s sampling). */
  beta?: number;
  /** Candidate search radius, metres (the paper uses 200 m; 50 m keeps the state space small in towns). */
  radiusM?: number;
  /** Nearest pieces kept per fix. */
  maxCandidates?: number;
  /** A time gap longer than this (seconds) starts a new sub-match. */
  maxGapS?: number;
  /** A jump between consecutive fixes longer than this (metres) starts a new sub-match. */
  maxGapM?: number;
}

/** One piece driven: fractions are of the piece's length from its geometry start; times are Unix ms. */
export interface MatchedPiece {
  pieceId: string;
  edge: number;
  /** 1 along the piece's geometry, -1 against it. */
  direction: 1 | -1;
  from: number;
  to: number;
  lengthM: number;
  enterT: number;
  exitT: number;
}

/** Where one fix was matched. */
export interface MatchedPoint {
  subMatch: number;
  pieceId: string;
  edge: number;
  fraction: number;
  lat: number;
  lon: number;
  /** Distance from the fix to the matched position, metres. */
  distanceM: number;
}

/** A continuous matched stretch (the trace breaks between sub-matches). */
export interface SubMatch {
  firstPoint: number;
  lastPoint: number;
  pieces: MatchedPiece[];
  lengthM: number;
}

/** The result of `matchTrack`. */
export interface MatchResult {
  subMatches: SubMatch[];
  /** Per input fix; undefined when preprocessing dropped it (within 2 sigma_z of the previous) or off the network. */
  points: Array<MatchedPoint | undefined>;
  matchedLengthM: number;
  stats: { inputPoints: number; usedPoints: number; noCandidate: number; breaks: number; routerRuns: number };
}

interface Step {
  point: number;
  n: number;
  edge: Int32Array;
  dir: Uint8Array;
  pos: Float64Array;
  dist: Float64Array;
  score: Float64Array;
  back: Int32Array;
  /** Route distance bound of the transition into this step. */
  limit: number;
}

/** Matches a track (fixes in time order) onto the graph. Pure: the graph comes from `loadGraph`. */
export function matchTrack(g: RoadGraph, track: ReadonlyArray<TrackPoint>, opts: MatchOptions = {}): MatchResult {
  const sigma = opts.sigmaZ ?? 4.07;
  const beta = opts.beta ?? 3;
  const radius = opts.radiusM ?? 50;
  const maxCand = opts.maxCandidates ?? 8;
  const maxGapS = opts.maxGapS ?? 60;
  const maxGapM = opts.maxGapM ?? 2000;
  const router = new Router(g);
  const cand = new CandidateBuffer(g, maxCand);
  const result: MatchResult = {
    subMatches: [],
    points: new Array(track.length).fill(undefined),
    matchedLengthM: 0,
    stats: { inputPoints: track.length, usedPoints: 0, noCandidate: 0, breaks: 0, routerRuns: 0 },
  };
  let steps: Step[] = [];
  let lastKept: TrackPoint | undefined;
  const inv2s2 = 1 / (2 * sigma * sigma);

  for (let i = 0; i < track.length; i++) {
    const p = track[i] as TrackPoint;
    // Preprocessing (paper, section 4.1): fixes within 2 sigma_z of the previous kept one add nothing but noise.
    // The last fix is always kept so the match reaches the end of the trace.
    if (lastKept && i < track.length - 1 && haversine(lastKept.lat, lastKept.lon, p.lat, p.lon) < 2 * sigma) continue;
    lastKept = p;
    const [x, y] = toLocal(g, p.lat, p.lon);
    const nc = cand.find(g, x, y, radius);
    if (nc === 0) {
      result.stats.noCandidate++;
      continue;
    }
    result.stats.usedPoints++;
    const step = newStep(i, nc * 2);
    for (let c = 0; c < nc; c++) {
      const e = cand.edge[c] as number;
      const f = cand.fraction[c] as number;
      const L = g.edgeLength[e] as number;
      const d = cand.distance[c] as number;
      const dirs = g.edgeDirs[e] as number;
      for (let dir = 0; dir < 2; dir++) {
        if ((dirs & (1 << dir)) === 0) continue;
        const k = step.n++;
        step.edge[k] = e;
        step.dir[k] = dir;
        step.pos[k] = dir === 0 ? f * L : (1 - f) * L;
        step.dist[k] = d;
        step.score[k] = -d * d * inv2s2;
        step.back[k] = -1;
      }
    }
    const prev = steps[steps.length - 1];
    if (prev === undefined) {
      steps.push(step);
      continue;
    }
    const q = track[prev.point] as TrackPoint;
    const gc = haversine(q.lat, q.lon, p.lat, p.lon);
    const dt = (p.t - q.t) / 1000;
    if (dt > maxGapS || gc > maxGapM) {
      finish(steps);
      steps = [step];
      continue;
    }
    step.limit = 2 * gc + 2 * radius + 100;
    if (transition(prev, step, gc)) steps.push(step);
    else {
      result.stats.breaks++;
      finish(steps);
      for (let k = 0; k < step.n; k++) step.score[k] = -((step.dist[k] as number) ** 2) * inv2s2;
      steps = [step];
    }
  }
  finish(steps);
  result.stats.routerRuns = router.runs;
  return result;

  function newStep(point: number, cap: number): Step {
    return {
      point,
      n: 0,
      edge: new Int32Array(cap),
      dir: new Uint8Array(cap),
      pos: new Float64Array(cap),
      dist: new Float64Array(cap),
      score: new Float64Array(cap),
      back: new Int32Array(cap),
      limit: 0,
    };
  }

  /** Route distance from state a of `s` to state b of `t`, or Infinity beyond t.limit. */
  function routeDistance(s: Step, a: number, t: Step, b: number): number {
    const ea = s.edge[a] as number;
    const da = s.dir[a] as number;
    const pa = s.pos[a] as number;
    const pb = t.pos[b] as number;
    if (ea === t.edge[b] && da === t.dir[b]) {
      // Same directed piece: forward progress, or (fix noise) a small step back charged as its own distance.
      return pb >= pa ? pb - pa : pa - pb;
    }
    const La = g.edgeLength[ea] as number;
    const exitA = da === 0 ? (g.edgeTarget[ea] as number) : (g.edgeSource[ea] as number);
    const eb = t.edge[b] as number;
    const entryB = t.dir[b] === 0 ? (g.edgeSource[eb] as number) : (g.edgeTarget[eb] as number);
    const rest = La - pa + pb;
    if (rest > t.limit) return Number.POSITIVE_INFINITY;
    return rest + router.distance(exitA, entryB, t.limit);
  }

  /** Viterbi step; false when no state of `t` is reachable from any state of `s`. */
  function transition(s: Step, t: Step, gc: number): boolean {
    let any = false;
    for (let b = 0; b < t.n; b++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = -1;
      for (let a = 0; a < s.n; a++) {
        const d = routeDistance(s, a, t, b);
        if (d > t.limit) continue;
        const v = (s.score[a] as number) - Math.abs(d - gc) / beta;
        if (v > best) {
          best = v;
          arg = a;
        }
      }
      if (arg >= 0) any = true;
      t.score[b] = (t.score[b] as number) + best;
      t.back[b] = arg;
    }
    return any;
  }

  function finish(run: Step[]): void {
    const last = run[run.length - 1];
    if (!last) return;
    let b = 0;
    for (let k = 1; k < last.n; k++) if ((last.score[k] as number) > (last.score[b] as number)) b = k;
    const chosen = new Int32Array(run.length);
    for (let k = run.length - 1; k >= 0; k--) {
      chosen[k] = b;
      b = (run[k] as Step).back[b] as number;
    }
    const sub = result.subMatches.length;
    const pieces: MatchedPiece[] = [];
    const s0 = run[0] as Step;
    const c0 = chosen[0] as number;
    let cur = { arc: arcOf(s0, c0), start: s0.pos[c0] as number, end: s0.pos[c0] as number, t0: tOf(s0), t1: tOf(s0) };
    const push = (): void => {
      if (cur.end - cur.start > 1e-6) pieces.push(toPiece(cur.arc, cur.start, cur.end, cur.t0, cur.t1));
    };
    run.forEach((st, k) => {
      const c = chosen[k] as number;
      const e = st.edge[c] as number;
      const fraction =
        st.dir[c] === 0
          ? (st.pos[c] as number) / (g.edgeLength[e] as number)
          : 1 - (st.pos[c] as number) / (g.edgeLength[e] as number);
      const at = pointOnEdge(g, e, Number.isFinite(fraction) ? fraction : 0);
      const pieceId = g.pieces[e]?.id ?? '';
      result.points[st.point] = {
        subMatch: sub,
        pieceId,
        edge: e,
        fraction,
        lat: at.lat,
        lon: at.lon,
        distanceM: st.dist[c] as number,
      };
      if (k === 0) return;
      const prev = run[k - 1] as Step;
      const a = chosen[k - 1] as number;
      const arcB = arcOf(st, c);
      const pb = st.pos[c] as number;
      const ta = tOf(prev);
      const tb = tOf(st);
      if (arcOf(prev, a) === arcB) {
        cur.end = Math.max(cur.end, pb);
        cur.t1 = tb;
        return;
      }
      const ea = prev.edge[a] as number;
      const La = g.edgeLength[ea] as number;
      const exitA = prev.dir[a] === 0 ? (g.edgeTarget[ea] as number) : (g.edgeSource[ea] as number);
      const entryB = st.dir[c] === 0 ? (g.edgeSource[e] as number) : (g.edgeTarget[e] as number);
      const arcs = router.path(exitA, entryB, st.limit) ?? [];
      let total = La - (prev.pos[a] as number) + pb;
      for (const arc of arcs) total += g.edgeLength[arc >> 1] as number;
      const tAt = (x: number): number => (total > 0 ? ta + ((tb - ta) * x) / total : tb);
      let x = La - (prev.pos[a] as number);
      cur.end = La;
      cur.t1 = tAt(x);
      push();
      for (const arc of arcs) {
        const len = g.edgeLength[arc >> 1] as number;
        pieces.push(toPiece(arc, 0, len, tAt(x), tAt(x + len)));
        x += len;
      }
      cur = { arc: arcB, start: 0, end: pb, t0: tAt(x), t1: tb };
    });
    push();
    const lengthM = pieces.reduce((acc, pc) => acc + pc.lengthM, 0);
    result.matchedLengthM += lengthM;
    result.subMatches.push({ firstPoint: s0.point, lastPoint: last.point, pieces, lengthM });
  }

  function arcOf(s: Step, k: number): number {
    return (s.edge[k] as number) * 2 + (s.dir[k] as number);
  }

  function tOf(s: Step): number {
    return (track[s.point] as TrackPoint).t;
  }

  function toPiece(arc: number, start: number, end: number, t0: number, t1: number): MatchedPiece {
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
}
