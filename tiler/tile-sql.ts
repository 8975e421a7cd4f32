/**
 * SQL derived from the layer schema: one query per tile that encodes every layer of its zoom (ST_AsMVTGeom /
 * ST_AsMVT, concatenated: an MVT tile is a sequence of layer messages), and the candidate-tile query that lists the
 * tiles a layer's geometries can reach at one zoom. Only layer-table text (ours) is spliced in; tile coordinates
 * and areas are bind parameters.
 */
import type { Sql } from '../db/index.ts';
import { anyZoomFilter, LAYERS, type LayerSource, type ResolvedLayer, zoomFilterAt } from './layers.ts';

/** MVT extent (tile coordinate range) and the buffer around a tile, in tile units, as MapLibre expects. */
export const EXTENT = 4096;
export const BUFFER = 64;
/** Half the Web Mercator world width in metres (EPSG:3857). */
export const MERCATOR_HALF = 20037508.342789244;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Pick, for each layer, the first source whose tables exist in `public`; layers without one are left out. */
export async function resolveLayers(sql: Sql): Promise<ResolvedLayer[]> {
  const names = [...new Set(LAYERS.flatMap((l) => l.sources.flatMap((s) => s.tables)))];
  const rows = await sql<{ name: string }[]>`
    select n as name from unnest(${names}::text[]) n where to_regclass('public.' || quote_ident(n)) is not null`;
  const present = new Set(rows.map((r) => r.name));
  const out: ResolvedLayer[] = [];
  for (const spec of LAYERS) {
    const source = spec.sources.find((s) => s.tables.every((t) => present.has(t)));
    if (source !== undefined) out.push({ spec, source });
  }
  return out;
}

/** Width of one tile at zoom `z` in Web Mercator metres. */
export function tileWidth(z: number): number {
  return (2 * MERCATOR_HALF) / 2 ** z;
}

function whereOf(source: LayerSource, extra: (string | undefined)[]): string {
  const conds = [source.where, ...extra].filter((c) => c !== undefined).map((c) => `(${c})`);
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
}

function layerSql(layer: ResolvedLayer, z: number): string {
  const { spec, source } = layer;
  // A screen pixel of a 512-px tile: finer detail is invisible, and ST_AsMVTGeom snaps to the 4096 grid anyway.
  const tolerance = tileWidth(z) / 512;
  const projected = `ST_Transform(ST_Force2D(${source.draw ?? source.geom}), 3857)`;
  const geom = spec.simplify ? `ST_Simplify(${projected}, ${tolerance}, true)` : projected;
  const attrs = Object.keys(spec.fields).map((f) => `${source.attributes[f] ?? 'NULL'} AS ${quote(f)}`);
  return `coalesce((SELECT ST_AsMVT(q, '${spec.name}', ${EXTENT}, 'geom' ORDER BY q.${quote(spec.orderBy)})
    FROM (SELECT ST_AsMVTGeom(${geom}, b.env, ${EXTENT}, ${BUFFER}, true) AS geom, ${attrs.join(', ')}
          FROM ${source.from}, b ${whereOf(source, [zoomFilterAt(spec, z), `${source.geom} && b.menv`])}) q
    WHERE q.geom IS NOT NULL), ''::bytea)`;
}

/** The query rendering tile ($1, $2, $3) = (z, x, y) with every layer of zoom `z`; it returns one `mvt` bytea. */
export function tileQuery(layers: readonly ResolvedLayer[], z: number): string {
  const parts = layers.map((l) => layerSql(l, z));
  return `WITH b AS (SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS env,
    ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int, margin => ${BUFFER / EXTENT}), 4326) AS menv)
  SELECT ${parts.length > 0 ? parts.join(' || ') : "''::bytea"} AS mvt`;
}

/**
 * Candidate tiles of one layer at zoom `z`: every tile whose buffered envelope a geometry intersects (bbox tile
 * ranges, then an exact test where the range has several tiles). A superset of the non-empty tiles, since the
 * margin is a little wider than the render buffer; with `$1..$4` (lon/lat bbox) only geometries overlapping it.
 */
export function candidateQuery(layer: ResolvedLayer, z: number, withArea: boolean): string {
  const { spec, source } = layer;
  const s = tileWidth(z);
  const n = 2 ** z;
  const m = s * (BUFFER / EXTENT) * 1.01;
  const h = MERCATOR_HALF;
  const area = withArea ? `${source.geom} && ST_MakeEnvelope($1, $2, $3, $4, 4326)` : undefined;
  return `SELECT DISTINCT x, y FROM (
    SELECT g, floor((ST_XMin(g) + ${h} - ${m}) / ${s})::int AS x0, floor((ST_XMax(g) + ${h} + ${m}) / ${s})::int AS x1,
              floor((${h} - ST_YMax(g) - ${m}) / ${s})::int AS y0, floor((${h} - ST_YMin(g) + ${m}) / ${s})::int AS y1
    FROM (SELECT ST_Transform(ST_Force2D(${source.geom}), 3857) AS g FROM ${source.geomFrom ?? source.from}
          ${whereOf(source, [zoomFilterAt(spec, z), area])}) s
  ) r,
  LATERAL generate_series(greatest(r.x0, 0), least(r.x1, ${n - 1})) x,
  LATERAL generate_series(greatest(r.y0, 0), least(r.y1, ${n - 1})) y
  WHERE (r.x0 = r.x1 AND r.y0 = r.y1) OR ST_Intersects(r.g, ST_MakeEnvelope(
    x * ${s} - ${h} - ${m}, ${h} - (y + 1) * ${s} - ${m}, (x + 1) * ${s} - ${h} + ${m}, ${h} - y * ${s} + ${m}, 3857))`;
}

/** The lon/lat extent of all layers' data (the rows drawn at some zoom), or undefined when there is none. */
export function extentQuery(layers: readonly ResolvedLayer[]): string {
  const parts = layers.map(
    ({ spec, source }) =>
      `SELECT ST_Extent(${source.geom})::geometry AS e FROM ${source.geomFrom ?? source.from} ${whereOf(source, [anyZoomFilter(spec)])}`,
  );
  return `SELECT ST_XMin(x) AS "minLon", ST_YMin(x) AS "minLat", ST_XMax(x) AS "maxLon", ST_YMax(x) AS "maxLat"
    FROM (SELECT ST_Extent(e) AS x FROM (${parts.join(' UNION ALL ')}) u) t WHERE x IS NOT NULL`;
}
