/**
 * Incremental updates: the tiles whose buffered envelope touches a changed area are re-rendered at every zoom;
 * every other tile's stored bytes are copied from the live version. Since a tile's content depends only on the
 * rows overlapping its buffered envelope, the result equals a full rebuild of the same data, byte for byte.
 */
import { type TileXYZ, tileIdToZxy, zxyToTileId } from '../core/tile-id.ts';
import type { Sql } from '../db/index.ts';
import { publishVersion, readCurrent, versionPath } from './archive-store.ts';
import {
  archiveOptions,
  type BuildResult,
  type BuildSettings,
  buildTiles,
  dataExtent,
  layerSignature,
  type TilerProgress,
  withTilerLock,
} from './build-tiles.ts';
import {
  decompress,
  type LonLatBounds,
  openArchive,
  openFileReader,
  PMTilesWriter,
  tileBounds,
} from './pmtiles/index.ts';
import { candidateTiles, renderTiles, withConnections } from './render-tiles.ts';
import { BUFFER, EXTENT, MERCATOR_HALF, resolveLayers, tileWidth } from './tile-sql.ts';

/** Options of `updateTiles`: the changed areas, given directly and/or as the uploads whose data changed. */
export interface UpdateTilesOptions {
  /** Directory holding the archive versions and `current.json` (as given to `buildTiles`). */
  out: string;
  /** Changed lon/lat boxes; for deleted rows, pass the box they had (their uploads can no longer be looked up). */
  bboxes?: LonLatBounds[];
  /** Uploads whose tracks or frames were added or changed: their current extent counts as changed. */
  uploadIds?: string[];
  workers?: number;
  onProgress?: (p: TilerProgress) => void;
}

// Beyond this many dirty tiles at one zoom, candidates come from an area query instead of rendering every one.
const DIRECT_RENDER_LIMIT = 256;

const mercX = (lon: number) => (lon * MERCATOR_HALF) / 180;
const mercY = (lat: number) => {
  const clamped = Math.max(-85.0511287798066, Math.min(85.0511287798066, lat));
  return (Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360)) * MERCATOR_HALF) / Math.PI;
};

/** Tile range at zoom `z` whose buffered envelopes (a little wider than the render buffer) meet `b`. */
export function dirtyRange(b: LonLatBounds, z: number): { x0: number; x1: number; y0: number; y1: number } {
  const s = tileWidth(z);
  const m = s * (BUFFER / EXTENT) * 1.01;
  const n = 2 ** z;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
  return {
    x0: clamp(Math.floor((mercX(b.minLon) + MERCATOR_HALF - m) / s)),
    x1: clamp(Math.floor((mercX(b.maxLon) + MERCATOR_HALF + m) / s)),
    y0: clamp(Math.floor((MERCATOR_HALF - mercY(b.maxLat) - m) / s)),
    y1: clamp(Math.floor((MERCATOR_HALF - mercY(b.minLat) + m) / s)),
  };
}

async function uploadAreas(sql: Sql, uploadIds: readonly string[]): Promise<LonLatBounds[]> {
  if (uploadIds.length === 0) return [];
  return sql<LonLatBounds[]>`
    select ST_XMin(e) as "minLon", ST_YMin(e) as "minLat", ST_XMax(e) as "maxLon", ST_YMax(e) as "maxLat"
    from (select ST_Extent(g)::geometry as e from (
      select geom as g from tracks where upload_id = any(${uploadIds}::uuid[])
      union all select geom from frames where upload_id = any(${uploadIds}::uuid[])) u) t
    where e is not null`;
}

/** Dirty tile ids per zoom, and the candidates among them that need rendering. */
async function dirtyCandidates(
  sql: Sql,
  layers: Awaited<ReturnType<typeof resolveLayers>>,
  areas: readonly LonLatBounds[],
  settings: BuildSettings,
): Promise<{ dirty: Set<number>; candidates: TileXYZ[] }> {
  const dirty = new Set<number>();
  const candidates: TileXYZ[] = [];
  for (let z = settings.minZoom; z <= settings.maxZoom; z++) {
    const atZoom = new Set<number>();
    for (const a of areas) {
      const r = dirtyRange(a, z);
      for (let x = r.x0; x <= r.x1; x++) for (let y = r.y0; y <= r.y1; y++) atZoom.add(zxyToTileId(z, x, y));
    }
    for (const id of atZoom) dirty.add(id);
    if (atZoom.size <= DIRECT_RENDER_LIMIT) {
      for (const id of atZoom) candidates.push(tileIdToZxy(id));
      continue;
    }
    for (const a of areas) {
      // Geometries reaching a dirty tile's buffered envelope lie within the dirty range grown by one tile.
      const r = dirtyRange(a, z);
      const n = 2 ** z;
      const nw = tileBounds(z, Math.max(0, r.x0 - 1), Math.max(0, r.y0 - 1));
      const se = tileBounds(z, Math.min(n - 1, r.x1 + 1), Math.min(n - 1, r.y1 + 1));
      const grown = { minLon: nw.minLon, maxLon: se.maxLon, minLat: se.minLat, maxLat: nw.maxLat };
      for (const t of await candidateTiles(sql, layers, z, grown)) {
        const id = zxyToTileId(t.z, t.x, t.y);
        if (atZoom.delete(id)) candidates.push(t);
      }
    }
  }
  return { dirty, candidates };
}

/**
 * Re-render the tiles touching the changed areas and copy all others from the live version into a new version.
 * Falls back to a full build (default zooms when there was no version) when there is no live version or the
 * layer sources changed since it was built.
 */
export async function updateTiles(sql: Sql, opts: UpdateTilesOptions): Promise<BuildResult> {
  const workers = opts.workers ?? 4;
  let fallback: Partial<BuildSettings> | undefined;
  const result = await withTilerLock(sql, () =>
    withConnections(sql, workers, async (conns): Promise<BuildResult | undefined> => {
      const db = conns[0]!;
      const current = await readCurrent(opts.out);
      if (current === undefined) {
        fallback = {};
        return undefined;
      }
      const reader = await openFileReader(versionPath(opts.out, current));
      try {
        const old = await openArchive(reader);
        const settings = (await old.metadata())['mapmint'] as BuildSettings | undefined;
        const layers = await resolveLayers(db);
        if (settings === undefined || settings.layers.join() !== layerSignature(layers).join()) {
          fallback = settings ?? {};
          return undefined;
        }
        const areas = [...(opts.bboxes ?? []), ...(await uploadAreas(db, opts.uploadIds ?? []))];
        const { dirty, candidates } = await dirtyCandidates(db, layers, areas, settings);
        const options = archiveOptions(layers, settings, await dataExtent(db, layers));
        let reused = 0;
        let counts = { rendered: 0, nonEmpty: 0 };
        const { version, summary } = await publishVersion(opts.out, async (sink) => {
          const writer = await PMTilesWriter.open(sink, options);
          try {
            for await (const e of old.entries()) {
              const stored = await old.readData(e.offset, e.length);
              const data = decompress(stored, old.header.tileCompression, 'tile');
              for (let id = e.tileId; id < e.tileId + e.runLength; id++) {
                if (dirty.has(id)) continue;
                const t = tileIdToZxy(id);
                await writer.addTile(t.z, t.x, t.y, data, stored);
                reused++;
              }
            }
            opts.onProgress?.({ phase: 'reuse', done: reused, total: reused });
            counts = await renderTiles(conns, layers, candidates, {
              onTile: (t, mvt) => writer.addTile(t.z, t.x, t.y, mvt),
              onProgress: (done) => opts.onProgress?.({ phase: 'render', done, total: candidates.length }),
            });
          } catch (err) {
            await writer.abort();
            throw err;
          }
          return writer.finish();
        });
        return { version, summary, tiles: reused + counts.nonEmpty, rendered: counts.rendered, reused };
      } finally {
        await reader.close();
      }
    }),
  );
  if (result !== undefined) return result;
  return buildTiles(sql, { out: opts.out, minZoom: fallback?.minZoom, maxZoom: fallback?.maxZoom, workers });
}
