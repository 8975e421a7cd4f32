/**
 * Road network import: OSM file -> drivable ways -> pieces -> `road_segments` + `road_nodes` in PostGIS, in one
 * transaction. Re-importing the same region upserts changed and new pieces and retires vanished ones.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransactionSql } from 'postgres';
import { invalid } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { markDirtyAreas } from '../tiler/index.ts';
import { readNodeCoords, readWays } from './osm-source.ts';
import { isDrivable } from './road-classes.ts';
import { DEFAULT_MAX_PIECE_M, type RoadPiece, splitWays } from './split-ways.ts';

/** Options of `importRoads`. */
export interface ImportRoadsOptions {
  /** Name of the extract; pieces of this region missing from the file get retired. Default: file name up to the first dot. */
  region?: string;
  /** Longest piece in metres; default 100. */
  maxPieceM?: number;
  /** The osmium binary; default `osmium` on PATH. */
  osmium?: string;
  /** Rows per COPY chunk written to the server; default 2000. */
  chunkRows?: number;
}

/** What an import did. */
export interface ImportRoadsResult {
  region: string;
  ways: number;
  pieces: number;
  nodes: number;
  lengthM: number;
  inserted: number;
  updated: number;
  unchanged: number;
  retired: number;
}

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function wkt(coords: ReadonlyArray<readonly [number, number]>): string {
  return `LINESTRING(${coords.map((c) => `${c[0]} ${c[1]}`).join(',')})`;
}

function pieceRow(p: RoadPiece): string {
  const geom = wkt(p.coords);
  const hash = createHash('sha256')
    .update(`${geom}|${p.class}|${p.name}|${p.ref}|${p.oneway}|${p.source}|${p.target}|${p.pieceCount}`)
    .digest('hex')
    .slice(0, 16);
  return [
    p.id,
    p.wayId,
    p.fromNode,
    p.toNode,
    p.pieceIndex,
    p.pieceCount,
    p.source,
    p.target,
    geom,
    p.lengthM,
    copyText(p.class),
    copyText(p.name),
    copyText(p.ref),
    p.oneway,
    hash,
  ].join('\t');
}

function* chunks<T>(items: Iterable<T>, size: number, row: (t: T) => string): Generator<string> {
  let buf: string[] = [];
  for (const it of items) {
    buf.push(row(it));
    if (buf.length >= size) {
      yield `${buf.join('\n')}\n`;
      buf = [];
    }
  }
  if (buf.length > 0) yield `${buf.join('\n')}\n`;
}

/** Default region name: the file name up to its first dot (`andorra.osm.pbf` -> `andorra`). */
export function regionOf(file: string): string {
  return path.basename(file).split('.')[0] ?? file;
}

/** Imports the drivable road network of an OSM file (PBF or anything osmium reads) into PostGIS. */
export async function importRoads(sql: Sql, file: string, opts: ImportRoadsOptions = {}): Promise<ImportRoadsResult> {
  const region = opts.region ?? regionOf(file);
  const maxPieceM = opts.maxPieceM ?? DEFAULT_MAX_PIECE_M;
  if (!(maxPieceM >= 1)) throw invalid('roads_max_piece', `maxPieceM must be >= 1 m, got ${maxPieceM}`);
  const chunkRows = opts.chunkRows ?? 2000;
  const r = await readPieces(file, maxPieceM, opts.osmium);
  const counts = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`mapmint.roads:${region}`}))`;
    await stageRoads(tx, r, chunkRows);
    await markChangedTiles(tx, region);
    return upsertRoads(tx, region);
  });
  const { pieces, lengthM } = r.tally;
  return {
    region,
    ways: r.ways.length,
    pieces,
    nodes: r.graphNodes.size,
    lengthM,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: pieces - counts.inserted - counts.updated,
    retired: counts.retired,
  };
}

/** The pieces of an OSM file, streamed; the tallies fill in as the stream is read. */
interface RoadPieces {
  ways: ReadonlyArray<unknown>;
  pieces: Generator<RoadPiece>;
  /** End nodes of the pieces read so far, with their coordinates. */
  graphNodes: Map<number, [number, number]>;
  tally: { pieces: number; lengthM: number };
}

/** Pass 1: the drivable ways and the set of nodes they use; pass 2: those nodes' coordinates only; then the pieces. */
async function readPieces(file: string, maxPieceM: number, osmium: string | undefined): Promise<RoadPieces> {
  const ways = await readWays(file, isDrivable, osmium);
  const wanted = new Set<number>();
  for (const w of ways) for (const n of w.nodes) wanted.add(n);
  const coords = await readNodeCoords(file, wanted, osmium);
  wanted.clear();

  const graphNodes = new Map<number, [number, number]>();
  const tally = { pieces: 0, lengthM: 0 };
  const seen = new Set<string>();
  const counted = (function* () {
    for (const p of splitWays(ways, coords, maxPieceM)) {
      if (seen.has(p.id)) continue; // the same way twice in a file (broken extract) must not break the upsert
      seen.add(p.id);
      tally.pieces++;
      tally.lengthM += p.lengthM;
      graphNodes.set(p.source, p.coords[0] as [number, number]);
      graphNodes.set(p.target, p.coords[p.coords.length - 1] as [number, number]);
      yield p;
    }
  })();

  return { ways, pieces: counted, graphNodes, tally };
}

/** Copies the pieces and their end nodes into temporary tables dropped at commit. */
async function stageRoads(tx: TransactionSql, r: RoadPieces, chunkRows: number): Promise<void> {
  await tx`create temp table road_stage (
    id text primary key, way_id bigint, from_node bigint, to_node bigint, piece_index int, piece_count int,
    source bigint, target bigint, wkt text, length_m double precision, class text, name text, ref text,
    oneway smallint, content_hash text) on commit drop`;
  await tx`create temp table road_node_stage (id bigint primary key, lon double precision, lat double precision)
    on commit drop`;
  await pipeline(Readable.from(chunks(r.pieces, chunkRows, pieceRow)), await tx`copy road_stage from stdin`.writable());
  await pipeline(
    Readable.from(chunks(r.graphNodes, chunkRows, ([id, c]) => `${id}\t${c[0]}\t${c[1]}`)),
    await tx`copy road_node_stage from stdin`.writable(),
  );
  await tx`analyze road_stage`;
}

/**
 * Tiles must be redrawn where pieces appear, change or are retired: new geometries and the old ones they replace or
 * remove, as one box per 0.05-degree cell (about 5 km) so a big import stays a bounded list.
 */
async function markChangedTiles(tx: TransactionSql, region: string): Promise<void> {
  const dirty = await tx<Array<{ w: number; s: number; e: number; n: number }>>`
    with changed as (
      select ST_GeomFromText(t.wkt, 4326) as g from road_stage t left join road_segments s on s.id = t.id
        where s.id is null or s.content_hash <> t.content_hash or s.retired_at is not null
      union all
      select s.geom from road_stage t join road_segments s on s.id = t.id
        where s.retired_at is null and s.content_hash <> t.content_hash
      union all
      select s.geom from road_segments s where s.region = ${region} and s.retired_at is null
        and not exists (select 1 from road_stage t where t.id = s.id)
    )
    select ST_XMin(e) as w, ST_YMin(e) as s, ST_XMax(e) as e, ST_YMax(e) as n
    from (select ST_Extent(g) as e from changed
          group by floor(ST_X(ST_StartPoint(g)) / 0.05), floor(ST_Y(ST_StartPoint(g)) / 0.05)) c`;
  await markDirtyAreas(
    tx as unknown as Sql,
    dirty.map((b) => [b.w, b.s, b.e, b.n]),
    `roads:${region}`,
  );
}

/** Upserts the staged nodes and pieces of the region and retires its pieces the file no longer has. */
async function upsertRoads(
  tx: TransactionSql,
  region: string,
): Promise<{ inserted: number; updated: number; retired: number }> {
  await tx`insert into road_nodes (id, geom)
    select id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) from road_node_stage
    on conflict (id) do update set geom = excluded.geom where not (road_nodes.geom ~= excluded.geom)`;
  const [up] = await tx<Array<{ inserted: number; updated: number }>>`
    with up as (
      insert into road_segments (id, region, way_id, from_node, to_node, piece_index, piece_count, source, target,
        geom, length_m, class, name, ref, oneway, cost, reverse_cost, content_hash)
      select id, ${region}, way_id, from_node, to_node, piece_index, piece_count, source, target,
        ST_GeomFromText(wkt, 4326), length_m, class, name, ref, oneway,
        case when oneway >= 0 then length_m else -1 end, case when oneway <= 0 then length_m else -1 end,
        content_hash
      from road_stage
      on conflict (id) do update set region = excluded.region, way_id = excluded.way_id,
        from_node = excluded.from_node, to_node = excluded.to_node, piece_index = excluded.piece_index,
        piece_count = excluded.piece_count, source = excluded.source, target = excluded.target,
        geom = excluded.geom, length_m = excluded.length_m, class = excluded.class, name = excluded.name,
        ref = excluded.ref, oneway = excluded.oneway, cost = excluded.cost, reverse_cost = excluded.reverse_cost,
        content_hash = excluded.content_hash, updated_at = now(), retired_at = null
      where road_segments.content_hash <> excluded.content_hash or road_segments.retired_at is not null
        or road_segments.region <> excluded.region
      returning (xmax = 0) as inserted
    )
    select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated
    from up`;
  const retired = await tx`update road_segments s set retired_at = now()
    where s.region = ${region} and s.retired_at is null
      and not exists (select 1 from road_stage t where t.id = s.id)`;
  return { inserted: up?.inserted ?? 0, updated: up?.updated ?? 0, retired: retired.count };
}
