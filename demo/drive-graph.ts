import { bearingOf } from '../core/index.ts';
import type { RoadNetwork, RoadNode, RoadWay } from './types.ts';

/** A way piece between two junctions (or a junction and a dead end), with its local geometry. */
export interface GraphEdge {
  id: number;
  way: RoadWay;
  from: number;
  to: number;
  nodeIds: number[];
  pts: Array<[number, number]>;
  length: number;
  oneway: boolean;
  /** Carriageway width in metres, from the road class. */
  widthM: number;
  maxspeedKmh: number;
  /** True when one end is a node no other edge reaches. */
  deadEnd: boolean;
}

/** An edge driven in one direction. */
export interface Arc {
  key: string;
  edge: GraphEdge;
  reverse: boolean;
  from: number;
  to: number;
  pts: Array<[number, number]>;
  length: number;
}

/** The routable view of a network. */
export interface RoadGraph {
  nodes: Map<number, RoadNode>;
  edges: GraphEdge[];
  arcs: Arc[];
  /** Arcs leaving each junction. */
  out: Map<number, Arc[]>;
  /** Arcs arriving at each junction. */
  in: Map<number, Arc[]>;
  /** Number of edges touching each junction. */
  degree: Map<number, number>;
}

/** Carriageway widths in metres: two lanes on main roads, a narrow two-way or one lane on residential streets. */
export function roadWidth(tags: Record<string, string>): number {
  if (tags.highway === 'secondary') return 8;
  if (tags.highway === 'tertiary') return 7;
  return tags.oneway === 'yes' ? 4.5 : 6;
}

/** Splits the ways at junctions into edges and both-direction arcs (one direction for oneway streets). */
export function buildGraph(net: RoadNetwork): RoadGraph {
  const nodes = new Map(net.nodes.map((n) => [n.id, n]));
  const uses = new Map<number, number>();
  for (const w of net.ways) {
    w.nodes.forEach((id, k) => {
      const ends = k === 0 || k === w.nodes.length - 1 ? 2 : 1;
      uses.set(id, (uses.get(id) ?? 0) + ends);
    });
  }
  const edges: GraphEdge[] = [];
  for (const way of net.ways) {
    let start = 0;
    for (let k = 1; k < way.nodes.length; k++) {
      const id = way.nodes[k] as number;
      if (k < way.nodes.length - 1 && (uses.get(id) ?? 0) < 2) continue;
      const nodeIds = way.nodes.slice(start, k + 1);
      const pts = nodeIds.map((n) => {
        const node = nodes.get(n) as RoadNode;
        return [node.x, node.y] as [number, number];
      });
      edges.push({
        id: edges.length,
        way,
        from: nodeIds[0] as number,
        to: id,
        nodeIds,
        pts,
        length: polylineLength(pts),
        oneway: way.tags.oneway === 'yes',
        widthM: roadWidth(way.tags),
        maxspeedKmh: Number(way.tags.maxspeed ?? 50),
        deadEnd: false,
      });
      start = k;
    }
  }
  const degree = new Map<number, number>();
  for (const e of edges) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
  }
  for (const e of edges) e.deadEnd = degree.get(e.from) === 1 || degree.get(e.to) === 1;
  const arcs: Arc[] = [];
  for (const e of edges) {
    arcs.push({ key: `${e.id}+`, edge: e, reverse: false, from: e.from, to: e.to, pts: e.pts, length: e.length });
    if (!e.oneway) {
      const pts = [...e.pts].reverse();
      arcs.push({ key: `${e.id}-`, edge: e, reverse: true, from: e.to, to: e.from, pts, length: e.length });
    }
  }
  const out = new Map<number, Arc[]>();
  const inn = new Map<number, Arc[]>();
  for (const a of arcs) {
    out.set(a.from, [...(out.get(a.from) ?? []), a]);
    inn.set(a.to, [...(inn.get(a.to) ?? []), a]);
  }
  return { nodes, edges, arcs, out, in: inn, degree };
}

/** Arcs a driver may take after `arc` without a U-turn or entering a dead end. */
export function nextArcs(g: RoadGraph, arc: Arc): Arc[] {
  return (g.out.get(arc.to) ?? []).filter((a) => a.edge !== arc.edge && !a.edge.deadEnd);
}

/** True when every non-dead-end arc can reach every other one without U-turns (the random walk never gets stuck). */
export function stronglyConnected(g: RoadGraph): boolean {
  const arcs = g.arcs.filter((a) => !a.edge.deadEnd);
  const first = arcs[0];
  if (!first) return false;
  const reach = (step: (a: Arc) => Arc[]): number => {
    const seen = new Set([first]);
    const stack = [first];
    while (stack.length > 0) {
      for (const b of step(stack.pop() as Arc)) {
        if (!seen.has(b)) {
          seen.add(b);
          stack.push(b);
        }
      }
    }
    return seen.size;
  };
  const prev = (a: Arc): Arc[] => (g.in.get(a.from) ?? []).filter((b) => b.edge !== a.edge && !b.edge.deadEnd);
  return reach((a) => nextArcs(g, a)) === arcs.length && reach(prev) === arcs.length;
}

/** Bearing in degrees at which an arc leaves its start junction. */
export function leaveBearing(a: Arc): number {
  const [p, q] = [a.pts[0], a.pts[1]] as [[number, number], [number, number]];
  return bearingOf(q[0] - p[0], q[1] - p[1]);
}

/** Bearing in degrees at which an arc arrives at its end junction. */
export function arriveBearing(a: Arc): number {
  const n = a.pts.length;
  const [p, q] = [a.pts[n - 2], a.pts[n - 1]] as [[number, number], [number, number]];
  return bearingOf(q[0] - p[0], q[1] - p[1]);
}

/** Length of a local polyline in metres. */
export function polylineLength(pts: ReadonlyArray<readonly [number, number]>): number {
  let len = 0;
  for (let k = 1; k < pts.length; k++) {
    const p = pts[k - 1] as readonly [number, number];
    const q = pts[k] as readonly [number, number];
    len += Math.hypot(q[0] - p[0], q[1] - p[1]);
  }
  return len;
}

/** Point and unit direction at distance `s` along a polyline (clamped to its ends). */
export function pointAlong(
  pts: ReadonlyArray<readonly [number, number]>,
  s: number,
): { x: number; y: number; dx: number; dy: number } {
  let rest = Math.max(0, s);
  for (let k = 1; k < pts.length; k++) {
    const p = pts[k - 1] as readonly [number, number];
    const q = pts[k] as readonly [number, number];
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (len === 0) continue;
    if (rest <= len || k === pts.length - 1) {
      const f = Math.min(1, rest / len);
      return {
        x: p[0] + (q[0] - p[0]) * f,
        y: p[1] + (q[1] - p[1]) * f,
        dx: (q[0] - p[0]) / len,
        dy: (q[1] - p[1]) / len,
      };
    }
    rest -= len;
  }
  const p = pts[0] as readonly [number, number];
  return { x: p[0], y: p[1], dx: 0, dy: 1 };
}

/** Distance in metres from a point to a polyline. */
export function distanceToPolyline(x: number, y: number, pts: ReadonlyArray<readonly [number, number]>): number {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 1; k < pts.length; k++) {
    const p = pts[k - 1] as readonly [number, number];
    const q = pts[k] as readonly [number, number];
    const vx = q[0] - p[0];
    const vy = q[1] - p[1];
    const l2 = vx * vx + vy * vy;
    const f = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - p[0]) * vx + (y - p[1]) * vy) / l2));
    best = Math.min(best, Math.hypot(x - p[0] - vx * f, y - p[1] - vy * f));
  }
  return best;
}
