/**
 * The in-memory road graph the matcher walks: pieces as edges in flat typed arrays, a CSR adjacency of directed
 * arcs (arc = edge * 2 + 0 along the geometry, + 1 against it), local metric coordinates and a uniform grid index.
 */
import { EARTH_RADIUS_M } from '../core/index.ts';

/** One piece as loaded from `road_segments`. */
export interface GraphPiece {
  id: string;
  source: number;
  target: number;
  lengthM: number;
  oneway: -1 | 0 | 1;
  /** [lon, lat] vertices. */
  coords: ReadonlyArray<readonly [number, number]>;
  wayId: number;
  fromNode: number;
  toNode: number;
  name: string | null;
  ref: string | null;
  class: string;
}

/** The routable graph with its spatial index. */
export interface RoadGraph {
  nodeCount: number;
  edgeCount: number;
  /** Database id (road_nodes.id) of each dense node index. */
  nodeIds: number[];
  edgeSource: Int32Array;
  edgeTarget: Int32Array;
  edgeLength: Float64Array;
  /** Bit 1: drivable along the geometry; bit 2: against it. */
  edgeDirs: Uint8Array;
  /** Vertex range of edge e: [vertStart[e], vertStart[e + 1]). */
  vertStart: Int32Array;
  /** Interleaved local metres east/north of the graph's origin. */
  xy: Float64Array;
  /** Cumulative local length at each vertex within its edge. */
  vertCum: Float64Array;
  /** Arcs leaving node n: outArcs[outStart[n] .. outStart[n + 1]). */
  outStart: Int32Array;
  outArcs: Int32Array;
  pieces: GraphPiece[];
  origin: { lat0: number; lon0: number; kx: number; ky: number };
  grid: { cellM: number; cells: Map<number, Int32Array> };
}

const RAD = Math.PI / 180;
const GRID_BIAS = 1 << 20;

/** Grid cell key; cells are `cellM` wide, keys unique within +-2^20 cells of the origin. */
export function cellKey(cx: number, cy: number): number {
  return (cx + GRID_BIAS) * 2 * GRID_BIAS + (cy + GRID_BIAS);
}

/** Builds the graph from pieces (pure: loadGraph feeds it from PostGIS, tests can feed it directly). */
export function buildRoadGraph(pieces: GraphPiece[], cellM = 50): RoadGraph {
  const origin = projectionOf(pieces);
  const edges = edgeArrays(pieces, origin, cellM);
  const n = edges.nodeIds.length;
  const cells = new Map<number, Int32Array>();
  for (const [k, list] of edges.cellLists) cells.set(k, Int32Array.from(list));
  return {
    nodeCount: n,
    edgeCount: pieces.length,
    nodeIds: edges.nodeIds,
    edgeSource: edges.edgeSource,
    edgeTarget: edges.edgeTarget,
    edgeLength: edges.edgeLength,
    edgeDirs: edges.edgeDirs,
    vertStart: edges.vertStart,
    xy: edges.xy,
    vertCum: edges.vertCum,
    ...adjacency(n, edges),
    pieces,
    origin,
    grid: { cellM, cells },
  };
}

/**
 * Equirectangular projection about the mean of the pieces' first vertices: within a country-sized bbox the scale
 * error stays well under 1 %, and candidate distances of tens of metres are what it is used for (route lengths come
 * from length_m).
 */
function projectionOf(pieces: readonly GraphPiece[]): RoadGraph['origin'] {
  let lat0 = 0;
  let lon0 = 0;
  for (const p of pieces) {
    const c = p.coords[0];
    if (c) {
      lon0 += c[0];
      lat0 += c[1];
    }
  }
  lat0 /= Math.max(1, pieces.length);
  lon0 /= Math.max(1, pieces.length);
  const ky = EARTH_RADIUS_M * RAD;
  const kx = ky * Math.cos(lat0 * RAD);
  return { lat0, lon0, kx, ky };
}

/** The edge and vertex arrays of a graph, its dense node ids, and the edges crossing each grid cell. */
type EdgeArrays = Pick<
  RoadGraph,
  'nodeIds' | 'edgeSource' | 'edgeTarget' | 'edgeLength' | 'edgeDirs' | 'vertStart' | 'xy' | 'vertCum'
> & { cellLists: Map<number, number[]> };

/** Numbers the nodes densely, projects every vertex and lists the grid cells each edge's segments cross. */
function edgeArrays(pieces: readonly GraphPiece[], origin: RoadGraph['origin'], cellM: number): EdgeArrays {
  const { lat0, lon0, kx, ky } = origin;
  let nv = 0;
  for (const p of pieces) nv += p.coords.length;
  const index = new Map<number, number>();
  const nodeIds: number[] = [];
  const nodeOf = (id: number): number => {
    let k = index.get(id);
    if (k === undefined) {
      k = nodeIds.length;
      nodeIds.push(id);
      index.set(id, k);
    }
    return k;
  };
  const m = pieces.length;
  const out: EdgeArrays = {
    nodeIds,
    edgeSource: new Int32Array(m),
    edgeTarget: new Int32Array(m),
    edgeLength: new Float64Array(m),
    edgeDirs: new Uint8Array(m),
    vertStart: new Int32Array(m + 1),
    xy: new Float64Array(nv * 2),
    vertCum: new Float64Array(nv),
    cellLists: new Map<number, number[]>(),
  };
  const { xy, vertCum, cellLists } = out;
  let v = 0;
  pieces.forEach((p, e) => {
    out.edgeSource[e] = nodeOf(p.source);
    out.edgeTarget[e] = nodeOf(p.target);
    out.edgeLength[e] = p.lengthM;
    out.edgeDirs[e] = (p.oneway >= 0 ? 1 : 0) | (p.oneway <= 0 ? 2 : 0);
    out.vertStart[e] = v;
    const cells = new Set<number>();
    for (let i = 0; i < p.coords.length; i++) {
      const c = p.coords[i] as readonly [number, number];
      const x = (c[0] - lon0) * kx;
      const y = (c[1] - lat0) * ky;
      xy[2 * v] = x;
      xy[2 * v + 1] = y;
      vertCum[v] =
        i === 0
          ? 0
          : (vertCum[v - 1] as number) + Math.hypot(x - (xy[2 * v - 2] as number), y - (xy[2 * v - 1] as number));
      if (i > 0) {
        const px = xy[2 * v - 2] as number;
        const py = xy[2 * v - 1] as number;
        for (let cx = Math.floor(Math.min(x, px) / cellM); cx <= Math.floor(Math.max(x, px) / cellM); cx++)
          for (let cy = Math.floor(Math.min(y, py) / cellM); cy <= Math.floor(Math.max(y, py) / cellM); cy++)
            cells.add(cellKey(cx, cy));
      }
      v++;
    }
    for (const k of cells) {
      const list = cellLists.get(k);
      if (list) list.push(e);
      else cellLists.set(k, [e]);
    }
  });
  out.vertStart[m] = v;
  return out;
}

/** The CSR adjacency of directed arcs: arcs leaving node n are outArcs[outStart[n] .. outStart[n + 1]). */
function adjacency(
  n: number,
  edges: Pick<RoadGraph, 'edgeSource' | 'edgeTarget' | 'edgeDirs'>,
): Pick<RoadGraph, 'outStart' | 'outArcs'> {
  const { edgeSource, edgeTarget, edgeDirs } = edges;
  const m = edgeDirs.length;
  const outStart = new Int32Array(n + 1);
  const bump = (a: Int32Array, i: number): number => {
    const v0 = a[i] as number;
    a[i] = v0 + 1;
    return v0;
  };
  for (let e = 0; e < m; e++) {
    if ((edgeDirs[e] as number) & 1) bump(outStart, (edgeSource[e] as number) + 1);
    if ((edgeDirs[e] as number) & 2) bump(outStart, (edgeTarget[e] as number) + 1);
  }
  for (let i = 0; i < n; i++) outStart[i + 1] = (outStart[i + 1] as number) + (outStart[i] as number);
  const fill = outStart.slice(0, n);
  const outArcs = new Int32Array(outStart[n] as number);
  for (let e = 0; e < m; e++) {
    if ((edgeDirs[e] as number) & 1) outArcs[bump(fill, edgeSource[e] as number)] = e * 2;
    if ((edgeDirs[e] as number) & 2) outArcs[bump(fill, edgeTarget[e] as number)] = e * 2 + 1;
  }
  return { outStart, outArcs };
}

/** Local metres of a WGS84 point in the graph's projection. */
export function toLocal(g: RoadGraph, lat: number, lon: number): [number, number] {
  return [(lon - g.origin.lon0) * g.origin.kx, (lat - g.origin.lat0) * g.origin.ky];
}

/** The WGS84 position at a fraction (0..1 of its length) along edge e. */
export function pointOnEdge(g: RoadGraph, e: number, fraction: number): { lat: number; lon: number } {
  const a = g.vertStart[e] as number;
  const b = (g.vertStart[e + 1] as number) - 1;
  const want = fraction * (g.vertCum[b] as number);
  let i = a;
  while (i < b - 1 && (g.vertCum[i + 1] as number) < want) i++;
  const seg = (g.vertCum[i + 1] as number) - (g.vertCum[i] as number);
  const f = seg > 0 ? Math.min(1, Math.max(0, (want - (g.vertCum[i] as number)) / seg)) : 0;
  const x = (g.xy[2 * i] as number) + ((g.xy[2 * i + 2] as number) - (g.xy[2 * i] as number)) * f;
  const y = (g.xy[2 * i + 1] as number) + ((g.xy[2 * i + 3] as number) - (g.xy[2 * i + 1] as number)) * f;
  return { lat: g.origin.lat0 + y / g.origin.ky, lon: g.origin.lon0 + x / g.origin.kx };
}
