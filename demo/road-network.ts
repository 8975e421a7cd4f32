import { type LocalFrame, localFrame } from '../core/index.ts';
import { buildGraph, stronglyConnected } from './drive-graph.ts';
import type { Rng } from './prng.ts';
import type { RoadNetwork, RoadNode, RoadWay, Tags } from './types.ts';

/** Shape of the synthetic town. */
export interface NetworkOptions {
  /** Streets running north-south; default 6. */
  cols?: number;
  /** Streets running east-west; default 5. */
  rows?: number;
  /** Mean block length in metres; default 125. */
  spacingM?: number;
}

/** Default origin: Zurich main station area, 47.3769 N 8.5417 E. */
export const DEFAULT_ORIGIN = { lat: 47.3769, lon: 8.5417 } as const;

/** OSM id ranges: far from real ids' low numbers so nothing collides in a test database by accident. */
const NODE_ID0 = 9_100_000_000;
const WAY_ID0 = 9_200_000_000;

const STREET_NAMES = [
  'Bahnhofstrasse',
  'Seestrasse',
  'Kirchgasse',
  'Schulstrasse',
  'Bergstrasse',
  'Gartenstrasse',
  'Lindenstrasse',
  'Rosenweg',
  'Mühlegasse',
  'Feldstrasse',
  'Poststrasse',
  'Dorfstrasse',
  'Sonnenweg',
  'Ahornstrasse',
  'Birkenweg',
  'Rebenweg',
  'Wiesenstrasse',
  'Talstrasse',
] as const;

interface Edge {
  a: number;
  b: number;
  street: string;
}

/** Builds a grid-ish town: jittered grid, one secondary and one tertiary, a diagonal, bends, gaps and dead ends. */
export function generateNetwork(
  rng: Rng,
  origin: { lat: number; lon: number },
  opts: NetworkOptions = {},
): RoadNetwork {
  const cols = Math.max(3, opts.cols ?? 6);
  const rows = Math.max(3, opts.rows ?? 5);
  const builder = new NetworkBuilder(localFrame(origin.lat, origin.lon));
  const { grid, rot } = gridNodes(rng, builder, cols, rows, opts.spacingM ?? 125);
  const town: Town = {
    rng,
    builder,
    cols,
    rows,
    rot,
    at: (i, j) => grid[i]?.[j] ?? -1,
    names: rng.shuffle([...STREET_NAMES]),
    streetTags: new Map(),
  };
  const edges = gridStreets(town);
  removeSomeEdges(rng, edges, town.streetTags);
  const stubs = deadEnds(town);
  edges.push(...stubs);
  markOneways(town, stubs);
  const net: RoadNetwork = {
    origin: { ...origin },
    nodes: builder.nodes,
    ways: buildWays(rng, builder, edges, town.streetTags),
  };
  // A oneway that traps the walk (a street only enterable from a dead end, say) goes back to two-way traffic.
  for (const way of net.ways) {
    if (way.tags.oneway === 'yes' && !stronglyConnected(buildGraph(net))) delete way.tags.oneway;
  }
  return net;
}

/** The town being built: its grid, the street names still free, and the tags of each named street. */
interface Town {
  rng: Rng;
  builder: NetworkBuilder;
  cols: number;
  rows: number;
  /** Rotation of the grid, radians. */
  rot: number;
  /** Node id of grid corner (i, j). */
  at: (i: number, j: number) => number;
  names: string[];
  streetTags: Map<string, Tags>;
}

/** The grid's junctions: uneven block sizes and a slight rotation make the grid look surveyed rather than drawn. */
function gridNodes(
  rng: Rng,
  builder: NetworkBuilder,
  cols: number,
  rows: number,
  spacing: number,
): { grid: number[][]; rot: number } {
  const xs = cumulative(cols, () => spacing * rng.uniform(0.85, 1.2));
  const ys = cumulative(rows, () => spacing * rng.uniform(0.85, 1.2));
  const rot = rng.uniform(-15, 15) * (Math.PI / 180);
  const grid: number[][] = [];
  for (let i = 0; i < cols; i++) {
    const column: number[] = [];
    for (let j = 0; j < rows; j++) {
      const gx = (xs[i] ?? 0) + rng.normal(4);
      const gy = (ys[j] ?? 0) + rng.normal(4);
      column.push(builder.node(gx * Math.cos(rot) - gy * Math.sin(rot), gx * Math.sin(rot) + gy * Math.cos(rot)));
    }
    grid.push(column);
  }
  return { grid, rot };
}

/** One street per grid row and column (the middle ones secondary and tertiary), plus a diagonal. */
function gridStreets(town: Town): Edge[] {
  const { cols, rows, at, names, streetTags } = town;
  const mainRow = Math.floor(rows / 2);
  const mainCol = Math.floor(cols / 2);
  const edges: Edge[] = [];
  for (let j = 0; j < rows; j++) {
    const name = names.pop() ?? `Strasse ${j}`;
    streetTags.set(name, roadTags(j === mainRow ? 'secondary' : 'residential', name));
    for (let i = 0; i + 1 < cols; i++) edges.push({ a: at(i, j), b: at(i + 1, j), street: name });
  }
  for (let i = 0; i < cols; i++) {
    const name = names.pop() ?? `Gasse ${i}`;
    streetTags.set(name, roadTags(i === mainCol ? 'tertiary' : 'residential', name));
    for (let j = 0; j + 1 < rows; j++) edges.push({ a: at(i, j), b: at(i, j + 1), street: name });
  }
  // A diagonal through grid corners crosses no other street between nodes, so it needs no new junctions.
  const diagName = names.pop() ?? 'Diagonale';
  streetTags.set(diagName, roadTags('residential', diagName));
  const steps = Math.min(cols, rows) - 2;
  const i0 = town.rng.int(0, cols - 1 - steps);
  for (let k = 0; k < steps; k++) edges.push({ a: at(i0 + k, k), b: at(i0 + k + 1, k + 1), street: diagName });
  return edges;
}

/** Dead ends: short stubs leaving the town's border outward. */
function deadEnds(town: Town): Edge[] {
  const { rng, builder, cols, rows, rot, at, names, streetTags } = town;
  const stubs: Edge[] = [];
  const borders: Array<[number, number, number, number]> = [];
  for (let j = 1; j < rows - 1; j++) borders.push([0, j, -1, 0], [cols - 1, j, 1, 0]);
  for (let i = 1; i < cols - 1; i++) borders.push([i, 0, 0, -1], [i, rows - 1, 0, 1]);
  for (const [bi, bj, dx, dy] of rng.shuffle(borders).slice(0, 3)) {
    const base = builder.get(at(bi, bj));
    const len = rng.uniform(50, 90);
    const lx = dx * Math.cos(rot) - dy * Math.sin(rot);
    const ly = dx * Math.sin(rot) + dy * Math.cos(rot);
    const end = builder.node(base.x + lx * len + rng.normal(3), base.y + ly * len + rng.normal(3), { noexit: 'yes' });
    const name = names.pop() ?? `Sackgasse ${stubs.length}`;
    streetTags.set(name, roadTags('residential', name));
    stubs.push({ a: at(bi, bj), b: end, street: name });
  }
  return stubs;
}

/** Oneway on a couple of residential streets; checked for strong connectivity later by the route graph. */
function markOneways(town: Town, stubs: readonly Edge[]): void {
  const residential = [...town.streetTags.entries()].filter(
    ([, t]) => t.highway === 'residential' && !stubs.some((s) => t.name === s.street),
  );
  for (const [, tags] of town.rng.shuffle(residential).slice(0, 2)) {
    tags.oneway = 'yes';
    tags.maxspeed = '30';
  }
}

/** Road class tags with the Swiss default limits (50 km/h in town, 30 km/h zones in residential streets). */
function roadTags(highway: 'secondary' | 'tertiary' | 'residential', name: string): Tags {
  return {
    highway,
    name,
    maxspeed: highway === 'residential' ? '30' : '50',
    lanes: highway === 'residential' ? '1' : '2',
    surface: 'asphalt',
  };
}

/** Drops about a tenth of the residential grid edges, keeping every node at degree >= 2 and the town connected. */
function removeSomeEdges(rng: Rng, edges: Edge[], streetTags: Map<string, Tags>): void {
  const degree = new Map<number, number>();
  for (const e of edges) {
    degree.set(e.a, (degree.get(e.a) ?? 0) + 1);
    degree.set(e.b, (degree.get(e.b) ?? 0) + 1);
  }
  const target = Math.round(edges.length * 0.1);
  let removed = 0;
  for (const idx of rng.shuffle(edges.map((_, k) => k))) {
    if (removed >= target) break;
    const e = edges[idx];
    if (!e || streetTags.get(e.street)?.highway !== 'residential') continue;
    if ((degree.get(e.a) ?? 0) < 3 || (degree.get(e.b) ?? 0) < 3) continue;
    const rest = edges.filter((x) => x !== e);
    if (!connected(rest)) continue;
    edges.splice(edges.indexOf(e), 1);
    degree.set(e.a, (degree.get(e.a) ?? 0) - 1);
    degree.set(e.b, (degree.get(e.b) ?? 0) - 1);
    removed++;
  }
}

function connected(edges: Edge[]): boolean {
  const adj = new Map<number, number[]>();
  for (const e of edges) {
    adj.set(e.a, [...(adj.get(e.a) ?? []), e.b]);
    adj.set(e.b, [...(adj.get(e.b) ?? []), e.a]);
  }
  const first = edges[0]?.a;
  if (first === undefined) return true;
  const seen = new Set([first]);
  const stack = [first];
  while (stack.length > 0) {
    const n = stack.pop() as number;
    for (const m of adj.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return seen.size === adj.size;
}

/** Chains each street's edges into maximal runs (one OSM way per run) and bends some blocks with a shape node. */
function buildWays(rng: Rng, builder: NetworkBuilder, edges: Edge[], streetTags: Map<string, Tags>): RoadWay[] {
  const ways: RoadWay[] = [];
  for (const [street, tags] of streetTags) {
    const own = edges.filter((e) => e.street === street);
    while (own.length > 0) {
      const first = own.shift() as Edge;
      const chain = [first.a, first.b];
      let grew = true;
      while (grew) {
        grew = false;
        for (let k = 0; k < own.length; k++) {
          const e = own[k] as Edge;
          if (e.a === chain[chain.length - 1]) chain.push(e.b);
          else if (e.b === chain[0]) chain.unshift(e.a);
          else continue;
          own.splice(k, 1);
          grew = true;
          break;
        }
      }
      const nodes: number[] = [];
      for (let k = 0; k < chain.length; k++) {
        const n = chain[k] as number;
        if (k > 0 && tags.highway === 'residential' && rng.chance(0.3)) {
          nodes.push(builder.bend(chain[k - 1] as number, n, rng.uniform(5, 12) * (rng.chance(0.5) ? 1 : -1)));
        }
        nodes.push(n);
      }
      ways.push({ id: WAY_ID0 + ways.length + 1, nodes, tags: { ...tags } });
    }
  }
  return ways;
}

class NetworkBuilder {
  readonly nodes: RoadNode[] = [];
  private readonly byId = new Map<number, RoadNode>();
  constructor(private readonly frame: LocalFrame) {}

  node(x: number, y: number, tags?: Tags): number {
    const [lat, lon] = this.frame.toLatLon(x, y);
    // Round to OSM's 7 decimals so the XML, the GeoJSON and the in-memory geometry are the same points.
    const rlat = Math.round(lat * 1e7) / 1e7;
    const rlon = Math.round(lon * 1e7) / 1e7;
    const [rx, ry] = this.frame.toXY(rlat, rlon);
    const node: RoadNode = { id: NODE_ID0 + this.nodes.length + 1, lat: rlat, lon: rlon, x: rx, y: ry };
    if (tags) node.tags = tags;
    this.nodes.push(node);
    this.byId.set(node.id, node);
    return node.id;
  }

  get(id: number): RoadNode {
    const n = this.byId.get(id);
    if (!n) throw new RangeError(`unknown node ${id}`);
    return n;
  }

  /** A shape node at the middle of a-b, pushed sideways by `offset` metres. */
  bend(a: number, b: number, offset: number): number {
    const na = this.get(a);
    const nb = this.get(b);
    const dx = nb.x - na.x;
    const dy = nb.y - na.y;
    const len = Math.hypot(dx, dy) || 1;
    return this.node((na.x + nb.x) / 2 + (dy / len) * offset, (na.y + nb.y) / 2 - (dx / len) * offset);
  }
}

function cumulative(n: number, step: () => number): number[] {
  const out = [0];
  for (let k = 1; k < n; k++) out.push((out[k - 1] ?? 0) + step());
  const mid = ((out[0] ?? 0) + (out[n - 1] ?? 0)) / 2;
  return out.map((v) => v - mid);
}
