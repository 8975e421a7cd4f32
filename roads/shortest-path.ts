/**
 * Bounded one-to-many Dijkstra over a RoadGraph's directed arcs, with reusable typed-array state (no per-query
 * allocation beyond the cache) and a per-source cache of everything settled within the largest limit asked so far.
 */
import type { RoadGraph } from './road-graph.ts';

interface Settled {
  limit: number;
  dist: Map<number, number>;
}

/** Shortest route distances between graph nodes for one matching run. */
export class Router {
  private readonly g: RoadGraph;
  private readonly dist: Float64Array;
  private readonly pred: Int32Array;
  private readonly seen: Uint32Array;
  private readonly done: Uint32Array;
  private stamp = 0;
  private heapNodes = new Int32Array(256);
  private heapKeys = new Float64Array(256);
  private heapSize = 0;
  private readonly cache = new Map<number, Settled>();
  /** Dijkstra runs so far (cache misses), for benchmarks. */
  runs = 0;

  constructor(g: RoadGraph) {
    this.g = g;
    this.dist = new Float64Array(g.nodeCount);
    this.pred = new Int32Array(g.nodeCount);
    this.seen = new Uint32Array(g.nodeCount);
    this.done = new Uint32Array(g.nodeCount);
  }

  /** Route distance from node u to node v if it is at most `limit` metres, else Infinity. */
  distance(u: number, v: number, limit: number): number {
    if (u === v) return 0;
    let s = this.cache.get(u);
    if (!s || s.limit < limit) {
      if (this.cache.size > 20_000) this.cache.clear();
      // Grow generously: the next step usually asks about the same source with a similar limit.
      s = { limit: Math.max(limit, (s?.limit ?? 0) * 2), dist: new Map() };
      this.run(u, s.limit, -1, s.dist);
      this.cache.set(u, s);
    }
    const d = s.dist.get(v);
    return d !== undefined && d <= limit ? d : Number.POSITIVE_INFINITY;
  }

  /** The arcs of a shortest route from u to v within `limit`, or undefined when there is none. */
  path(u: number, v: number, limit: number): number[] | undefined {
    if (u === v) return [];
    this.run(u, limit, v, undefined);
    if (this.done[v] !== this.stamp) return undefined;
    const arcs: number[] = [];
    for (let n = v; n !== u; ) {
      const arc = this.pred[n] as number;
      arcs.push(arc);
      const e = arc >> 1;
      n = (arc & 1) === 0 ? (this.g.edgeSource[e] as number) : (this.g.edgeTarget[e] as number);
    }
    return arcs.reverse();
  }

  private run(u: number, limit: number, stopAt: number, into: Map<number, number> | undefined): void {
    this.runs++;
    const g = this.g;
    const st = ++this.stamp;
    const { dist, seen, done, pred } = this;
    this.heapSize = 0;
    dist[u] = 0;
    seen[u] = st;
    this.push(u, 0);
    while (this.heapSize > 0) {
      const d = this.heapKeys[0] as number;
      const n = this.pop();
      if (done[n] === st) continue;
      done[n] = st;
      into?.set(n, d);
      if (n === stopAt) return;
      for (let k = g.outStart[n] as number, end = g.outStart[n + 1] as number; k < end; k++) {
        const arc = g.outArcs[k] as number;
        const e = arc >> 1;
        const to = (arc & 1) === 0 ? (g.edgeTarget[e] as number) : (g.edgeSource[e] as number);
        const nd = d + (g.edgeLength[e] as number);
        if (nd > limit || done[to] === st) continue;
        if (seen[to] !== st || nd < (dist[to] as number)) {
          seen[to] = st;
          dist[to] = nd;
          pred[to] = arc;
          this.push(to, nd);
        }
      }
    }
  }

  private push(node: number, key: number): void {
    if (this.heapSize === this.heapNodes.length) {
      const n = new Int32Array(this.heapSize * 2);
      n.set(this.heapNodes);
      this.heapNodes = n;
      const k = new Float64Array(this.heapSize * 2);
      k.set(this.heapKeys);
      this.heapKeys = k;
    }
    const hn = this.heapNodes;
    const hk = this.heapKeys;
    let i = this.heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((hk[p] as number) <= key) break;
      hn[i] = hn[p] as number;
      hk[i] = hk[p] as number;
      i = p;
    }
    hn[i] = node;
    hk[i] = key;
  }

  private pop(): number {
    const hn = this.heapNodes;
    const hk = this.heapKeys;
    const top = hn[0] as number;
    const n = --this.heapSize;
    const lastNode = hn[n] as number;
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
    hn[i] = lastNode;
    hk[i] = lastKey;
    return top;
  }
}
