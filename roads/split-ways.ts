/**
 * Pure splitting: drivable ways -> junction-to-junction segments -> pieces of at most `maxPieceM` metres of equal
 * length, each with a stable id. Nothing here touches the database.
 */
import { createHash } from 'node:crypto';
import { haversine } from '../core/index.ts';
import type { OsmWay } from './osm-source.ts';
import { onewayOf } from './road-classes.ts';

/** One piece of road: the graph edge and the unit of coverage. */
export interface RoadPiece {
  id: string;
  wayId: number;
  fromNode: number;
  toNode: number;
  pieceIndex: number;
  pieceCount: number;
  /** Graph vertices at the start and end of `coords` (OSM node id, or a negative cut-point id). */
  source: number;
  target: number;
  /** [lon, lat] vertices along the way's direction. */
  coords: Array<[number, number]>;
  lengthM: number;
  class: string;
  name: string | null;
  ref: string | null;
  oneway: -1 | 0 | 1;
}

/** Default longest piece: short enough that coverage counts partial streets, long enough to keep the graph small. */
export const DEFAULT_MAX_PIECE_M = 100;

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The stable piece id: 20 hex digits (80 bits) of SHA-256 over the piece key. */
export function pieceId(wayId: number, fromNode: number, toNode: number, index: number): string {
  return sha(`${wayId}/${fromNode}/${toNode}/${index}`).slice(0, 20);
}

/** Stable id of the cut point that starts piece `index` (> 0): negative, below 2^52, hashed like the piece id. */
export function cutNodeId(wayId: number, fromNode: number, toNode: number, index: number): number {
  return -Number.parseInt(sha(`cut/${wayId}/${fromNode}/${toNode}/${index}`).slice(0, 13), 16);
}

/** Counts how often each node is used by the kept ways (way ends count twice, so they always split). */
export function nodeUses(ways: readonly OsmWay[]): Map<number, number> {
  const uses = new Map<number, number>();
  for (const w of ways) {
    const last = w.nodes.length - 1;
    w.nodes.forEach((id, k) => {
      uses.set(id, (uses.get(id) ?? 0) + (k === 0 || k === last ? 2 : 1));
    });
  }
  return uses;
}

function lineLength(coords: ReadonlyArray<readonly [number, number]>): number[] {
  const cum = [0];
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1] as [number, number];
    const b = coords[i] as [number, number];
    cum.push((cum[i - 1] as number) + haversine(a[1], a[0], b[1], b[0]));
  }
  return cum;
}

/** Cuts a polyline at the given distances (ascending, strictly inside) into consecutive parts. */
function cutLine(coords: Array<[number, number]>, cum: number[], at: number[]): Array<Array<[number, number]>> {
  const parts: Array<Array<[number, number]>> = [];
  let cur: Array<[number, number]> = [coords[0] as [number, number]];
  let i = 1;
  for (const d of at) {
    while (i < coords.length && (cum[i] as number) <= d) cur.push(coords[i++] as [number, number]);
    const a = coords[i - 1] as [number, number];
    const b = (coords[i] ?? a) as [number, number];
    const span = (cum[i] ?? 0) - (cum[i - 1] as number);
    const f = span > 0 ? (d - (cum[i - 1] as number)) / span : 0;
    const p: [number, number] = [round7(a[0] + (b[0] - a[0]) * f), round7(a[1] + (b[1] - a[1]) * f)];
    const prev = cur[cur.length - 1] as [number, number];
    if (prev[0] !== p[0] || prev[1] !== p[1]) cur.push(p);
    parts.push(cur);
    cur = [p];
  }
  while (i < coords.length) cur.push(coords[i++] as [number, number]);
  parts.push(cur);
  return parts;
}

/** OSM's own precision (1e-7 degrees, about 1 cm), so cut points are as reproducible as node positions. */
function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

/**
 * Splits ways at junctions (nodes used twice or more, counting way ends twice) and cuts each segment into
 * ceil(length / maxPieceM) equal pieces. Nodes without coordinates (clipped extracts) end the way there.
 */
export function* splitWays(
  ways: readonly OsmWay[],
  coords: ReadonlyMap<number, [number, number]>,
  maxPieceM = DEFAULT_MAX_PIECE_M,
): Generator<RoadPiece> {
  const uses = nodeUses(ways);
  for (const w of ways) {
    const cls = w.tags['highway'] ?? 'road';
    const name = w.tags['name'] ?? null;
    const ref = w.tags['ref'] ?? null;
    const oneway = onewayOf(w.tags);
    const seen = new Set<string>();
    let start = 0;
    for (let k = 1; k < w.nodes.length; k++) {
      const id = w.nodes[k] as number;
      const missing = !coords.has(id);
      if (!missing && k < w.nodes.length - 1 && (uses.get(id) ?? 0) < 2) continue;
      // A missing node closes the segment at the previous one and starts the next after it.
      const endK = missing ? k - 1 : k;
      if (endK > start) yield* pieces(w, start, endK);
      start = missing ? k + 1 : k;
    }

    function* pieces(way: OsmWay, a: number, b: number): Generator<RoadPiece> {
      const nodeIds = way.nodes.slice(a, b + 1);
      const line = nodeIds.map((n) => coords.get(n)).filter((c): c is [number, number] => c !== undefined);
      const fromNode = nodeIds[0] as number;
      // The same way can join the same two nodes twice (a loop): the second gets a distinct key.
      let toNode = nodeIds[nodeIds.length - 1] as number;
      let keyTo = toNode;
      while (seen.has(`${fromNode}/${keyTo}`)) keyTo = keyTo * 31 + 7;
      seen.add(`${fromNode}/${keyTo}`);
      const cum = lineLength(line);
      const total = cum[cum.length - 1] as number;
      if (line.length < 2 || total <= 0) return;
      const n = Math.max(1, Math.ceil(total / maxPieceM - 1e-9));
      const at = Array.from({ length: n - 1 }, (_, i) => (total * (i + 1)) / n);
      const parts = cutLine(line, cum, at);
      const cut = (i: number): number => cutNodeId(way.id, fromNode, keyTo, i);
      toNode = nodeIds[nodeIds.length - 1] as number;
      for (let i = 0; i < n; i++) {
        const part = parts[i] as Array<[number, number]>;
        const partCum = lineLength(part);
        yield {
          id: pieceId(way.id, fromNode, keyTo, i),
          wayId: way.id,
          fromNode,
          toNode,
          pieceIndex: i,
          pieceCount: n,
          source: i === 0 ? fromNode : cut(i),
          target: i === n - 1 ? toNode : cut(i + 1),
          coords: part,
          lengthM: partCum[partCum.length - 1] as number,
          class: cls,
          name,
          ref,
          oneway,
        };
      }
    }
  }
}
