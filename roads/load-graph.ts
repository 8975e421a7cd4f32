/** Loads the live (not retired) pieces inside a bounding box from PostGIS into an in-memory RoadGraph. */

import type { TrackPoint } from '../core/index.ts';
import { boxOf, growBox } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { buildRoadGraph, type GraphPiece, type RoadGraph } from './match-graph.ts';

/** West, south, east, north in degrees. */
export type BBox = [number, number, number, number];

/** Options of `loadGraph`. */
export interface LoadGraphOptions {
  /** Only pieces of this region (several extracts can overlap). */
  region?: string;
}

/** Decodes a 2D WKB LineString (either byte order) into [lon, lat] pairs. */
export function decodeWkbLineString(buf: Uint8Array): Array<[number, number]> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dv.getUint8(0) === 1;
  const n = dv.getUint32(5, le);
  const out: Array<[number, number]> = new Array(n);
  for (let i = 0; i < n; i++) out[i] = [dv.getFloat64(9 + 16 * i, le), dv.getFloat64(17 + 16 * i, le)];
  return out;
}

/** The track's bounding box grown by `marginM` metres on every side. */
export function trackBbox(points: ReadonlyArray<Pick<TrackPoint, 'lat' | 'lon'>>, marginM = 1000): BBox {
  return growBox(boxOf(points), marginM);
}

interface PieceRow {
  id: string;
  source: string;
  target: string;
  length_m: number;
  oneway: number;
  wkb: Uint8Array;
  way_id: string;
  from_node: string;
  to_node: string;
  name: string | null;
  ref: string | null;
  class: string;
}

/** Reads the pieces intersecting `bbox` (ordered by id, so the same data gives the same graph) into a RoadGraph. */
export async function loadGraph(sql: Sql, bbox: BBox, opts: LoadGraphOptions = {}): Promise<RoadGraph> {
  const [w, s, e, n] = bbox;
  const rows = await sql<PieceRow[]>`
    select id, source, target, length_m, oneway, ST_AsBinary(geom) as wkb, way_id, from_node, to_node, name, ref, class
    from road_segments
    where geom && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326) and retired_at is null
      ${opts.region === undefined ? sql`` : sql`and region = ${opts.region}`}
    order by id`;
  const pieces: GraphPiece[] = rows.map((r) => ({
    id: r.id,
    source: Number(r.source),
    target: Number(r.target),
    lengthM: r.length_m,
    oneway: r.oneway < 0 ? -1 : r.oneway > 0 ? 1 : 0,
    coords: decodeWkbLineString(r.wkb),
    wayId: Number(r.way_id),
    fromNode: Number(r.from_node),
    toNode: Number(r.to_node),
    name: r.name,
    ref: r.ref,
    class: r.class,
  }));
  return buildRoadGraph(pieces);
}
