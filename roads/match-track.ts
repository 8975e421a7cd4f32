/**
 * HMM map matching after P. Newson and J. Krumm, "Hidden Markov Map Matching Through Noise and Sparseness",
 * ACM SIGSPATIAL GIS 2009: candidates are road positions near each fix, emission is a Gaussian of the
 * fix-to-road distance, transition is an exponential of |route distance - great-circle distance|, and Viterbi picks
 * the likeliest sequence. States are directed (piece, direction), so oneway pieces are only driven their way.
 * On top of the paper (sources in roads/README.md): the receiver's course in the emission, beta growing with the
 * time driven between fixes, edge-based routes with a U-turn penalty, no free running backwards, standing fixes
 * dropped, and outlier fixes (GPS jumps) that the Viterbi may leave out.
 */

import type { TrackPoint } from '../core/index.ts';
import { haversine } from '../core/index.ts';
import { CandidateBuffer } from './candidates.ts';
import { pointOnEdge, type RoadGraph, toLocal } from './match-graph.ts';
import { piecesOf, type Visit } from './match-pieces.ts';
import type { MatchOptions, MatchResult } from './match-types.ts';
import { Router } from './shortest-path.ts';

export type { MatchedPiece, MatchedPoint, MatchOptions, MatchResult, SubMatch } from './match-types.ts';

interface Step {
  point: number;
  n: number;
  edge: Int32Array;
  dir: Uint8Array;
  pos: Float64Array;
  dist: Float64Array;
  /** Log emission probability of each state. */
  emit: Float64Array;
  score: Float64Array;
  back: Int32Array;
  /** How many steps back each state's predecessor is (1: the previous step); 0: the match starts here. */
  backJ: Uint8Array;
  /** Seconds of the track up to this fix during which the vehicle moved. */
  moving: number;
}

const DEG = Math.PI / 180;

/** The options resolved once per track, the graph's router and candidate buffer, and the result being filled. */
interface Matcher {
  g: RoadGraph;
  track: ReadonlyArray<TrackPoint>;
  radius: number;
  beta: number;
  maxGapS: number;
  maxGapM: number;
  /** von Mises concentration of the course term; 0 ignores the course. */
  kappa: number;
  courseMinSpeed: number;
  maxOutliers: number;
  outlierCost: number;
  /** Fixes slower than this are standing still (0 when the receiver's speeds say nothing). */
  standing: number;
  /** A step back along the same piece of up to this many metres is fix noise. */
  backM: number;
  /** What noise beyond the paper's adds to beta. */
  betaNoise: number;
  /** Distance-term factor of the emission, 1 / (2 sigma_z^2). */
  inv2s2: number;
  /** Minimum spacing of kept fixes, 2 sigma_z. */
  minSpacing: number;
  router: Router;
  cand: CandidateBuffer;
  result: MatchResult;
}

/** Matches a track (fixes in time order) onto the graph. Pure: the graph comes from `loadGraph`. */
export function matchTrack(g: RoadGraph, track: ReadonlyArray<TrackPoint>, opts: MatchOptions = {}): MatchResult {
  const m = newMatcher(g, track, opts);
  let run: Step[] = [];
  let lastKept: TrackPoint | undefined;
  let moving = 0;
  for (let i = 0; i < track.length; i++) {
    const p = track[i] as TrackPoint;
    const still = p.speed !== undefined && p.speed < m.standing;
    if (i > 0 && !still) moving += Math.max(0, (p.t - (track[i - 1] as TrackPoint).t) / 1000) || 0;
    if (!keepFix(m, lastKept, i, still)) continue;
    lastKept = p;
    const step = candidateStates(m, i, moving);
    if (!step) {
      m.result.stats.noCandidate++;
      continue;
    }
    m.result.stats.usedPoints++;
    run = extendRun(m, run, step);
  }
  finish(m, run);
  m.result.stats.routerRuns = m.router.runs;
  return m.result;
}

/** Resolves the options (defaults and derived constants) and sets up the router and an empty result. */
function newMatcher(g: RoadGraph, track: ReadonlyArray<TrackPoint>, opts: MatchOptions): Matcher {
  const sigma = opts.sigmaZ ?? 4.07;
  const courseSigma = (opts.courseSigmaDeg ?? 10) * DEG;
  const courseMinSpeed = opts.courseMinSpeedMs ?? 3;
  // Speeds are trusted only from a receiver that reports real motion somewhere: a track of zeros says nothing.
  const speeds = track.some((p) => p.speed !== undefined && p.speed >= courseMinSpeed);
  return {
    g,
    track,
    radius: opts.radiusM ?? 50,
    beta: opts.beta ?? 3,
    maxGapS: opts.maxGapS ?? 60,
    maxGapM: opts.maxGapM ?? 2000,
    // von Mises concentration for a course sigma (kappa = 1 / sigma^2 for small angles).
    kappa: courseSigma > 0 ? 1 / (courseSigma * courseSigma) : 0,
    courseMinSpeed,
    maxOutliers: opts.maxOutliers ?? 3,
    outlierCost: opts.outlierCost ?? 10,
    standing: speeds ? (opts.standingSpeedMs ?? 1) : 0,
    // A step back along the same piece of up to 2 sigma_z is fix noise, not driving backwards: the vehicle stays put
    // (Barefoot does the same within sigma_z). Further back it needs a route, i.e. U-turns or a loop.
    backM: 2 * sigma,
    // |route - great circle| between two fixes on a straight road is the along-track difference of their errors,
    // N(0, 2 sigma_z^2) when independent; the paper's estimator beta = median / ln 2 makes that 0.954 / 0.693
    // sigma_z. The paper's 3 m was fitted at its 4.07 m of noise, so only noise beyond that adds to beta.
    betaNoise: 1.376 * Math.max(0, sigma - 4.07),
    inv2s2: 1 / (2 * sigma * sigma),
    minSpacing: 2 * sigma,
    router: new Router(g, opts.uTurnPenaltyM ?? 300),
    cand: new CandidateBuffer(g, opts.maxCandidates ?? 8),
    result: {
      subMatches: [],
      points: new Array(track.length).fill(undefined),
      matchedLengthM: 0,
      stats: { inputPoints: track.length, usedPoints: 0, noCandidate: 0, breaks: 0, outliers: 0, routerRuns: 0 },
    },
  };
}

/**
 * Preprocessing (paper, section 4.1): fixes within 2 sigma_z of the previous kept one add nothing but noise, and nor
 * do fixes taken standing still, however far their noise throws them. The last fix is always kept so the match
 * reaches the end of the trace.
 */
function keepFix(m: Matcher, lastKept: TrackPoint | undefined, i: number, still: boolean): boolean {
  if (!lastKept || i >= m.track.length - 1) return true;
  const p = m.track[i] as TrackPoint;
  return !(still || haversine(lastKept.lat, lastKept.lon, p.lat, p.lon) < m.minSpacing);
}

/**
 * Adds a step to the current run, or closes the run and starts a new one with it: after a time or distance gap, or
 * when no state of the step can be reached from the run. Returns the run the next step joins.
 */
function extendRun(m: Matcher, run: Step[], step: Step): Step[] {
  const prev = run[run.length - 1];
  if (prev === undefined) {
    run.push(step);
    return run;
  }
  const p = m.track[step.point] as TrackPoint;
  const q = m.track[prev.point] as TrackPoint;
  if ((p.t - q.t) / 1000 > m.maxGapS || haversine(q.lat, q.lon, p.lat, p.lon) > m.maxGapM) {
    finish(m, run);
    return [step];
  }
  if (transition(m, run, step)) {
    run.push(step);
    return run;
  }
  m.result.stats.breaks++;
  finish(m, run);
  step.score.set(step.emit);
  step.backJ.fill(0);
  return [step];
}

/**
 * The directed candidate states of fix i with their emission log-probabilities: the paper's Gaussian of the
 * distance, plus, when the receiver moves fast enough for its Doppler course to mean something, a von Mises term
 * of the angle between that course and the piece's direction of travel (Barefoot weights candidates by azimuth the
 * same way; see README). The course tells the two directions of a street, and a street from its cross street.
 */
function candidateStates(m: Matcher, i: number, moving: number): Step | undefined {
  const { g, cand, kappa, inv2s2 } = m;
  const p = m.track[i] as TrackPoint;
  const [x, y] = toLocal(g, p.lat, p.lon);
  const nc = cand.find(g, x, y, m.radius);
  if (nc === 0) return undefined;
  const cap = nc * 2;
  const step: Step = {
    point: i,
    n: 0,
    edge: new Int32Array(cap),
    dir: new Uint8Array(cap),
    pos: new Float64Array(cap),
    dist: new Float64Array(cap),
    emit: new Float64Array(cap),
    score: new Float64Array(cap),
    back: new Int32Array(cap).fill(-1),
    backJ: new Uint8Array(cap),
    moving,
  };
  const useCourse = kappa > 0 && p.heading !== undefined && p.speed !== undefined && p.speed >= m.courseMinSpeed;
  const hx = useCourse ? Math.sin((p.heading as number) * DEG) : 0;
  const hy = useCourse ? Math.cos((p.heading as number) * DEG) : 0;
  for (let c = 0; c < nc; c++) {
    const e = cand.edge[c] as number;
    const f = cand.fraction[c] as number;
    const L = g.edgeLength[e] as number;
    const d = cand.distance[c] as number;
    const along = (cand.tx[c] as number) * hx + (cand.ty[c] as number) * hy;
    const dirs = g.edgeDirs[e] as number;
    for (let dir = 0; dir < 2; dir++) {
      if ((dirs & (1 << dir)) === 0) continue;
      const k = step.n++;
      step.edge[k] = e;
      step.dir[k] = dir;
      step.pos[k] = dir === 0 ? f * L : (1 - f) * L;
      step.dist[k] = d;
      // kappa * (cos - 1): 0 when the course runs along the piece, -2 kappa against it.
      const em = -d * d * inv2s2 + (useCourse ? kappa * ((dir === 0 ? along : -along) - 1) : 0);
      step.emit[k] = em;
      step.score[k] = em;
    }
  }
  return step;
}

/** Route cost from state a of `s` to state b of `t`; Infinity when no route of at most `limit` metres exists. */
function routeDistance(m: Matcher, s: Step, a: number, t: Step, b: number, limit: number): number {
  const ea = s.edge[a] as number;
  const arcA = ea * 2 + (s.dir[a] as number);
  const arcB = (t.edge[b] as number) * 2 + (t.dir[b] as number);
  const pa = s.pos[a] as number;
  const pb = t.pos[b] as number;
  if (arcA === arcB && pb >= pa - m.backM) return Math.max(0, pb - pa);
  const rest = (m.g.edgeLength[ea] as number) - pa + pb;
  if (rest > limit) return Number.POSITIVE_INFINITY;
  return rest + m.router.distance(arcA, arcB, limit - rest);
}

/** Route length bound between two fixes `gc` metres apart: anything longer is not a plausible drive. */
function limitFor(m: Matcher, gc: number): number {
  return 2 * gc + 2 * m.radius + 100;
}

/**
 * Viterbi step into `t` from the previous step, or from up to `maxOutliers` steps further back at `outlierCost`
 * per fix left out, or (near the start of a run) afresh with the earlier fixes left out. beta grows with the
 * time driven between the two fixes: the paper's 3 m is for 1 s, and with sparser fixes routes stray further from
 * the straight line between them (section 4.2; Barefoot scales it with the sampling interval likewise). Noisier
 * fixes than the paper's add what their noise alone makes of |route - great circle| (betaNoise).
 * False when no state of `t` can be reached.
 */
function transition(m: Matcher, run: Step[], t: Step): boolean {
  const { maxOutliers, outlierCost } = m;
  const idx = run.length;
  const p = m.track[t.point] as TrackPoint;
  t.score.fill(idx <= maxOutliers ? -idx * outlierCost : Number.NEGATIVE_INFINITY);
  let any = false;
  for (let j = 1; j <= Math.min(maxOutliers + 1, idx); j++) {
    const s = run[idx - j] as Step;
    const q = m.track[s.point] as TrackPoint;
    const gc = haversine(q.lat, q.lon, p.lat, p.lon);
    const limit = limitFor(m, gc);
    const skipCost = (j - 1) * outlierCost;
    const invBeta = 1 / (m.beta * Math.max(1, t.moving - s.moving) + m.betaNoise);
    for (let b = 0; b < t.n; b++) {
      let best = t.score[b] as number;
      let arg = -1;
      for (let a = 0; a < s.n; a++) {
        const from = (s.score[a] as number) - skipCost;
        // Transition log-probabilities are <= 0: a state already behind the best cannot win.
        if (from <= best) continue;
        const d = routeDistance(m, s, a, t, b, limit);
        if (d === Number.POSITIVE_INFINITY) continue;
        const v = from - Math.abs(d - gc) * invBeta;
        if (v > best) {
          best = v;
          arg = a;
        }
      }
      if (arg >= 0) {
        any = true;
        t.score[b] = best;
        t.back[b] = arg;
        t.backJ[b] = j;
      }
    }
  }
  for (let b = 0; b < t.n; b++) t.score[b] = (t.score[b] as number) + (t.emit[b] as number);
  return any || idx <= maxOutliers;
}

/** A step and the state chosen in it. */
interface Chosen {
  st: Step;
  c: number;
}

/** Backtracks the best state sequence of a run (its last fixes may be outliers too) into a sub-match. */
function finish(m: Matcher, run: Step[]): void {
  const chosen = backtrack(m, run);
  if (chosen.length === 0) return;
  const { g, result } = m;
  result.stats.outliers += run.length - chosen.length;
  const visits = recordPoints(m, chosen, result.subMatches.length);
  const pieces = piecesOf(g, m.router, visits, m.backM);
  const lengthM = pieces.reduce((acc, pc) => acc + pc.lengthM, 0);
  result.matchedLengthM += lengthM;
  const first = chosen[0] as Chosen;
  const last = chosen[chosen.length - 1] as Chosen;
  result.subMatches.push({ firstPoint: first.st.point, lastPoint: last.st.point, pieces, lengthM });
}

/** The best state sequence of a run, first step first; empty when the run has no state. */
function backtrack(m: Matcher, run: Step[]): Chosen[] {
  let endK = -1;
  let b = -1;
  let bestV = Number.NEGATIVE_INFINITY;
  for (let j = 1; j <= Math.min(m.maxOutliers + 1, run.length); j++) {
    const st = run[run.length - j] as Step;
    for (let k = 0; k < st.n; k++) {
      const v = (st.score[k] as number) - (j - 1) * m.outlierCost;
      if (v > bestV) {
        bestV = v;
        b = k;
        endK = run.length - j;
      }
    }
  }
  const chosen: Chosen[] = [];
  if (b < 0) return chosen;
  for (let k = endK; ; ) {
    const st = run[k] as Step;
    chosen.push({ st, c: b });
    const j = st.backJ[b] as number;
    if (j === 0) break;
    b = st.back[b] as number;
    k -= j;
  }
  return chosen.reverse();
}

/** Writes where each chosen fix was matched into the result, and returns the visits the pieces are cut from. */
function recordPoints(m: Matcher, chosen: Chosen[], sub: number): Visit[] {
  const { g, track } = m;
  return chosen.map(({ st, c }, k) => {
    const e = st.edge[c] as number;
    const L = g.edgeLength[e] as number;
    const fraction = st.dir[c] === 0 ? (st.pos[c] as number) / L : 1 - (st.pos[c] as number) / L;
    const at = pointOnEdge(g, e, Number.isFinite(fraction) ? fraction : 0);
    m.result.points[st.point] = {
      subMatch: sub,
      pieceId: g.pieces[e]?.id ?? '',
      edge: e,
      direction: st.dir[c] === 0 ? 1 : -1,
      fraction,
      lat: at.lat,
      lon: at.lon,
      distanceM: st.dist[c] as number,
    };
    const p = track[st.point] as TrackPoint;
    const q = track[(chosen[k - 1]?.st ?? st).point] as TrackPoint;
    return {
      arc: e * 2 + (st.dir[c] as number),
      pos: st.pos[c] as number,
      t: p.t,
      limit: limitFor(m, haversine(q.lat, q.lon, p.lat, p.lon)),
    };
  });
}
