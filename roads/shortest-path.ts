/**
 * Bounded one-to-many Dijkstra over a RoadGraph's directed arcs, edge-based (labels on arcs, not nodes) so that a
 * U-turn (an arc followed by its own reverse) can carry a penalty, as GraphHopper's map matching does by routing
 * edge-based from the candidate's outgoing to the next candidate's incoming directed edge with u-turn costs. Typed-array
 * state is reused between queries; results are cached per source arc within the largest limit asked so far.
 */
import type { RoadGraph } from './match-graph.ts';

/** What one search from a source arc settled: for each node, the two cheapest arrivals by different arcs. */
interface Settled {
  limit: number;
  /**
   * node -> index into `arrivals`: 5 numbers, the best arrival's cost, arc and length, then the cost and length of the
   * best arrival by another arc.
   */
  nodes: Map<number, number>;
  arrivals: number[];
}

/** Shortest route distances between directed arcs for one matching run. */
export class Router {
  private readonly g: RoadGraph;
  private readonly uTurnM: number;
  private readonly dist: Float64Array;
  /** Driven length of the best route to each arc (its label `dist` adds U-turn penalties). */
  private readonly len: Float64Array;
  private readonly pred: Int32Array;
  private readonly seen: Uint32Array;
  private readonly done: Uint32Array;
  private stamp = 0;
  /** After a run with a target: the arc the best route arrives by (-1: none within the limit). */
  private stopArc = -1;
  private heapArcs = new Int32Array(256);
  private heapKeys = new Float64Array(256);
  private heapSize = 0;
  private readonly cache = new Map<number, Settled>();
  /** Dijkstra runs so far (cache misses), for benchmarks. */
  runs = 0;

  /** `uTurnM`: metres added to a route for each U-turn at a node (Infinity forbids them). */
  constructor(g: RoadGraph, uTurnM: number) {
    this.g = g;
    this.uTurnM = uTurnM;
    const arcs = g.edgeCount * 2;
    this.dist = new Float64Array(arcs);
    this.len = new Float64Array(arcs);
    this.pred = new Int32Array(arcs);
    this.seen = new Uint32Array(arcs);
    this.done = new Uint32Array(arcs);
  }

  /**
   * Route cost from the end of arc `from` to the start of arc `to` (neither arc included): its length plus `uTurnM`
   * per U-turn (including one straight back onto `from` or one just before `to`); Infinity when no route of at most
   * `limit` metres (driven length, penalties aside) exists.
   */
  distance(from: number, to: number, limit: number): number {
    let s = this.cache.get(from);
    if (!s || s.limit < limit) {
      if (this.cache.size > 20_000) this.cache.clear();
      // Grow generously: the next step usually asks about the same source with a similar limit.
      s = { limit: Math.max(limit, (s?.limit ?? 0) * 2), nodes: new Map(), arrivals: [] };
      this.run(from, s.limit, -1, s);
      this.cache.set(from, s);
    }
    const n = this.tail(to);
    const k = s.nodes.get(n);
    if (k === undefined) return Number.POSITIVE_INFINITY;
    const a = s.arrivals;
    const first = (a[k + 2] as number) <= limit ? (a[k] as number) : Number.POSITIVE_INFINITY;
    const second = (a[k + 4] as number) <= limit ? (a[k + 3] as number) : Number.POSITIVE_INFINITY;
    // Arriving by the reverse of `to` means turning around onto it.
    return a[k + 1] === (to ^ 1) ? Math.min(first + this.uTurnM, second) : first;
  }

  /** The arcs strictly between `from` and `to` of a route of `distance`, or undefined when there is none. */
  path(from: number, to: number, limit: number): number[] | undefined {
    this.run(from, limit, to, undefined);
    if (this.stopArc < 0) return undefined;
    const arcs: number[] = [];
    for (let x = this.stopArc; x !== from; x = this.pred[x] as number) arcs.push(x);
    return arcs.reverse();
  }

  private tail(arc: number): number {
    const e = arc >> 1;
    return (arc & 1) === 0 ? (this.g.edgeSource[e] as number) : (this.g.edgeTarget[e] as number);
  }

  private head(arc: number): number {
    const e = arc >> 1;
    return (arc & 1) === 0 ? (this.g.edgeTarget[e] as number) : (this.g.edgeSource[e] as number);
  }

  /** Edge-based Dijkstra from the head of arc `from`; labels are distances at the head of each arc. */
  private run(from: number, limit: number, stopAt: number, into: Settled | undefined): void {
    this.runs++;
    const g = this.g;
    const st = ++this.stamp;
    const { dist, len, seen, done, pred } = this;
    const stopNode = stopAt >= 0 ? this.tail(stopAt) : -1;
    let stopD = Number.POSITIVE_INFINITY;
    this.stopArc = -1;
    this.heapSize = 0;
    dist[from] = 0;
    len[from] = 0;
    seen[from] = st;
    pred[from] = -1;
    this.push(from, 0);
    while (this.heapSize > 0) {
      const d = this.heapKeys[0] as number;
      if (d >= stopD) return;
      const x = this.pop();
      if (done[x] === st) continue;
      done[x] = st;
      const n = this.head(x);
      if (into) {
        const k = into.nodes.get(n);
        if (k === undefined) {
          into.nodes.set(n, into.arrivals.length);
          into.arrivals.push(d, x, len[x] as number, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
        } else if ((into.arrivals[k + 3] as number) === Number.POSITIVE_INFINITY) {
          into.arrivals[k + 3] = d;
          into.arrivals[k + 4] = len[x] as number;
        }
      }
      if (n === stopNode) {
        // Arriving by the reverse of the target arc costs a U-turn more; the search ends once nothing can beat it.
        const total = d + (x === (stopAt ^ 1) ? this.uTurnM : 0);
        if (total < stopD) {
          stopD = total;
          this.stopArc = x;
        }
      }
      const lx = len[x] as number;
      for (let k = g.outStart[n] as number, end = g.outStart[n + 1] as number; k < end; k++) {
        const y = g.outArcs[k] as number;
        const ly = g.edgeLength[y >> 1] as number;
        // The limit bounds the length driven; U-turn penalties only rank routes.
        if (lx + ly > limit || done[y] === st) continue;
        const nd = d + ly + (y === (x ^ 1) ? this.uTurnM : 0);
        if (nd === Number.POSITIVE_INFINITY) continue;
        if (seen[y] !== st || nd < (dist[y] as number)) {
          seen[y] = st;
          dist[y] = nd;
          len[y] = lx + ly;
          pred[y] = x;
          this.push(y, nd);
        }
      }
    }
  }

  private push(arc: number, key: number): void {
    if (this.heapSize === this.heapArcs.length) {
      const n = new Int32Array(this.heapSize * 2);
      n.set(this.heapArcs);
      this.heapArcs = n;
      const k = new Float64Array(this.heapSize * 2);
      k.set(this.heapKeys);
      this.heapKeys = k;
    }
    const hn = this.heapArcs;
    const hk = this.heapKeys;
    let i = this.heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((hk[p] as number) <= key) break;
      hn[i] = hn[p] as number;
      hk[i] = hk[p] as number;
      i = p;
    }
    hn[i] = arc;
    hk[i] = key;
  }

  private pop(): number {
    const hn = this.heapArcs;
    const hk = this.heapKeys;
    const top = hn[0] as number;
    const n = --this.heapSize;
    const lastArc = hn[n] as number;
    const lastKey = hk[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (hk[c + 1] as number) < (hk[c] as number)) c++;
      if ((hk[c] as number) >= lastKey) break;
      hn[i] = hn[c] as number;
      hk[i] = hk[c] as number;
      i = c;
    }
    hn[i] = lastArc;
    hk[i] = lastKey;
    return top;
  }
}
