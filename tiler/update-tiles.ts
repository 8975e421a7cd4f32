/**
 * Incremental updates. A change is an area and the layers whose rows changed there. At every zoom drawing one of
 * those layers, the tiles whose buffered envelope touches the area are dirty; only their changed layers are
 * re-rendered, and their other layers are taken from the live version's tile (see mvt-layers.ts). Every other tile
 * is taken over from the live version by reference: its stored bytes are copied as they are. Since a layer's bytes
 * in a tile depend only on that layer's rows overlapping the tile's buffered envelope, the result equals a full
 * rebuild of the same data, byte for byte.
 */
import { tileIdToZxy, zxyToTileId } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { driveExtent } from '../ingest/index.ts';
import { readCurrent, versionPath } from './archive-store.ts';
import {
  archiveOptions,
  type BuildResult,
  type BuildSettings,
  buildTiles,
  dataExtent,
  layerSignature,
  type TilerProgress,
  withTilerSession,
  writeVersion,
} from './build-tiles.ts';
import { layersAtZoom, type ResolvedLayer } from './layers.ts';
import { splitLayers } from './mvt-layers.ts';
import {
  type ArchiveReader,
  decompress,
  type LonLatBounds,
  openArchive,
  openFileReader,
  type PMTilesWriter,
  type StoredSource,
  tileBounds,
} from './pmtiles/index.ts';
import { candidateTiles, type RenderJob, renderTile, renderTiles } from './render-tiles.ts';
import { BUFFER, EXTENT, MERCATOR_HALF, tileWidth } from './tile-sql.ts';

/** A changed area and, when known, the layers whose rows changed there. */
export interface TileChange {
  bbox: LonLatBounds;
  /** Names of the changed layers (see layers.ts); default every layer. Unknown names are ignored. */
  layers?: readonly string[];
}

/** Options of `updateTiles`: the changed areas, given directly and/or as the uploads whose data changed. */
export interface UpdateTilesOptions {
  /** Directory holding the archive versions and `current.json` (as given to `buildTiles`). */
  out: string;
  /** Areas where any layer may have changed; for removed or moved rows, include the box they had before. */
  bboxes?: LonLatBounds[];
  /** Areas with the layers that changed there (cheaper than `bboxes`: only those layers are re-rendered). */
  changes?: TileChange[];
  /** Uploads whose tracks or frames were added or changed: their current extent, for the layers reading those. */
  uploadIds?: string[];
  workers?: number;
  onProgress?: (p: TilerProgress) => void;
}

// Beyond this many dirty tiles at one zoom, candidates come from an area query instead of rendering every one.
const DIRECT_RENDER_LIMIT = 256;
/** Tables (and the public views over them) an upload's own rows live in: `uploadIds` changes the layers reading them. */
const UPLOAD_TABLES = ['tracks', 'frames', 'public_tracks', 'public_frames'];

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

/** A change with its layers as a bit mask over the resolved layers (bit i = layers[i]). */
interface MaskedChange {
  bbox: LonLatBounds;
  mask: number;
}

function maskOf(layers: readonly ResolvedLayer[], names: readonly string[] | undefined): number {
  return layers.reduce((m, l, i) => (names === undefined || names.includes(l.spec.name) ? m | (1 << i) : m), 0);
}

const layersOfMask = (layers: readonly ResolvedLayer[], mask: number) => layers.filter((_, i) => mask & (1 << i));

/** A dirty tile to re-render: its changed layers at its zoom, as a mask and as the layers to query. */
type DirtyJob = RenderJob & { id: number; mask: number; all: boolean };

/**
 * The dirty tiles (tile id -> mask of the layers that changed there) and the render jobs among them: tiles where a
 * changed layer may have content now. A dirty tile without a job keeps only its unchanged layers.
 */
async function dirtyTiles(
  sql: Sql,
  layers: readonly ResolvedLayer[],
  changes: readonly MaskedChange[],
  settings: BuildSettings,
): Promise<{ dirty: Map<number, number>; jobs: DirtyJob[] }> {
  const dirty = new Map<number, number>();
  const jobs: DirtyJob[] = [];
  for (let z = settings.minZoom; z <= settings.maxZoom; z++) {
    const zoomMask = maskOf(
      layers,
      layersAtZoom(layers, z).map((l) => l.spec.name),
    );
    const atZoom = new Map<number, number>();
    for (const c of changes) {
      const mask = c.mask & zoomMask;
      if (mask === 0) continue;
      const r = dirtyRange(c.bbox, z);
      for (let x = r.x0; x <= r.x1; x++) {
        for (let y = r.y0; y <= r.y1; y++) {
          const id = zxyToTileId(z, x, y);
          atZoom.set(id, (atZoom.get(id) ?? 0) | mask);
        }
      }
    }
    const job = (id: number, mask: number): DirtyJob => ({
      ...tileIdToZxy(id),
      id,
      mask,
      all: mask === zoomMask,
      layers: layersOfMask(layers, mask),
    });
    for (const [id, mask] of atZoom) dirty.set(id, mask);
    if (atZoom.size <= DIRECT_RENDER_LIMIT) {
      for (const [id, mask] of atZoom) jobs.push(job(id, mask));
      continue;
    }
    const found = new Set<number>();
    for (const c of areaQueries(changes, zoomMask)) {
      const mask = c.mask & zoomMask;
      // Geometries reaching a dirty tile's buffered envelope lie within the dirty range grown by one tile.
      const r = dirtyRange(c.bbox, z);
      const n = 2 ** z;
      const nw = tileBounds(z, Math.max(0, r.x0 - 1), Math.max(0, r.y0 - 1));
      const se = tileBounds(z, Math.min(n - 1, r.x1 + 1), Math.min(n - 1, r.y1 + 1));
      const grown = { minLon: nw.minLon, maxLon: se.maxLon, minLat: se.minLat, maxLat: nw.maxLat };
      for (const t of await candidateTiles(sql, layersOfMask(layers, mask), z, grown)) {
        const id = zxyToTileId(t.z, t.x, t.y);
        const m = atZoom.get(id);
        if (m !== undefined && !found.has(id)) {
          found.add(id);
          jobs.push(job(id, m));
        }
      }
    }
  }
  return { dirty, jobs };
}

// Float4 rounding of PostGIS's cached boxes moves an edge by less than 1e-5 degrees; this keeps clear of it.
const EDGE_MARGIN = 1e-4;

/**
 * The data extent after `changes`, when it is certainly the live version's: every changed row lies inside the
 * changed areas, so when each area is strictly inside the old extent, the rows that reach its edges are unchanged
 * and nothing new reaches beyond. Otherwise undefined: the extent must be queried (a full scan of every layer).
 */
function keptExtent(metadata: Record<string, unknown>, changes: readonly MaskedChange[]): LonLatBounds | undefined {
  const b = metadata['bounds'];
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number')) return undefined;
  const [minLon, minLat, maxLon, maxLat] = b as [number, number, number, number];
  const inside = changes.every(
    ({ bbox: c }) =>
      c.minLon > minLon + EDGE_MARGIN &&
      c.minLat > minLat + EDGE_MARGIN &&
      c.maxLon < maxLon - EDGE_MARGIN &&
      c.maxLat < maxLat - EDGE_MARGIN,
  );
  return inside ? { minLon, minLat, maxLon, maxLat } : undefined;
}

// Past this many changed areas at one zoom, one candidate query over their union beats one query per area.
const AREA_QUERIES = 16;

/** The changes drawn at a zoom (`zoomMask`), or when there are many, one change covering them all. */
function areaQueries(changes: readonly MaskedChange[], zoomMask: number): MaskedChange[] {
  const drawn = changes.filter((c) => (c.mask & zoomMask) !== 0);
  if (drawn.length <= AREA_QUERIES) return drawn;
  const b = drawn.map((c) => c.bbox);
  const bbox = {
    minLon: Math.min(...b.map((x) => x.minLon)),
    minLat: Math.min(...b.map((x) => x.minLat)),
    maxLon: Math.max(...b.map((x) => x.maxLon)),
    maxLat: Math.max(...b.map((x) => x.maxLat)),
  };
  // (A superset of the candidates: they are kept only where the union's tiles are dirty.)
  return [{ bbox, mask: drawn.reduce((m, c) => m | c.mask, 0) }];
}

/**
 * Take every clean tile of `old` over by reference, and return where the dirty ones are (tile id -> data offset
 * and length) for splicing.
 */
async function reuseClean(
  old: ArchiveReader,
  writer: PMTilesWriter,
  dirty: ReadonlyMap<number, number>,
): Promise<{ reused: number; dirtyOld: Map<number, { offset: number; length: number }> }> {
  const source: StoredSource = { read: (offset, length) => old.readData(offset, length) };
  const dirtyOld = new Map<number, { offset: number; length: number }>();
  let reused = 0;
  for await (const e of old.entries()) {
    let from = e.tileId;
    const end = e.tileId + e.runLength;
    for (let id = e.tileId; id < end; id++) {
      if (!dirty.has(id)) continue;
      if (id > from) writer.addStoredRun(source, from, id - from, e.offset, e.length);
      reused += id - from;
      from = id + 1;
      dirtyOld.set(id, { offset: e.offset, length: e.length });
    }
    if (end > from) writer.addStoredRun(source, from, end - from, e.offset, e.length);
    reused += end - from;
  }
  return { reused, dirtyOld };
}

/**
 * Re-render the changed layers of the tiles touching the changed areas, take all other tiles over from the live
 * version, and publish the result as a new version. Falls back to a full build (default zooms when there was no
 * version) when there is no live version or the layer sources changed since it was built.
 */
export async function updateTiles(sql: Sql, opts: UpdateTilesOptions): Promise<BuildResult> {
  const workers = opts.workers ?? 4;
  let fallback: Partial<BuildSettings> | undefined;
  const result = await withTilerSession(sql, workers, async ({ conns, layers }): Promise<BuildResult | undefined> => {
    const db = conns[0]!;
    const current = await readCurrent(opts.out);
    if (current === undefined) {
      fallback = {};
      return undefined;
    }
    const reader = await openFileReader(versionPath(opts.out, current));
    try {
      const old = await openArchive(reader);
      const metadata = await old.metadata();
      const settings = metadata['mapmint'] as BuildSettings | undefined;
      if (settings === undefined || settings.layers.join() !== layerSignature(layers).join()) {
        fallback = settings ?? {};
        return undefined;
      }
      const uploadMask = layers.reduce(
        (m, l, i) => (l.source.tables.some((t) => UPLOAD_TABLES.includes(t)) ? m | (1 << i) : m),
        0,
      );
      const changes: MaskedChange[] = [
        ...(opts.bboxes ?? []).map((bbox) => ({ bbox, mask: maskOf(layers, undefined) })),
        ...(opts.changes ?? []).map((c) => ({ bbox: c.bbox, mask: maskOf(layers, c.layers) })),
        ...(await driveExtent(db, opts.uploadIds ?? [])).map((bbox) => ({ bbox, mask: uploadMask })),
      ].filter((c) => c.mask !== 0);
      const { dirty, jobs } = await dirtyTiles(db, layers, changes, settings);
      const extent = keptExtent(metadata, changes) ?? (await dataExtent(db, layers));
      const options = archiveOptions(layers, settings, extent);
      let reused = 0;
      let tiles = 0;
      let rendered = 0;
      const { version, summary } = await writeVersion(opts.out, options, async (writer) => {
        const clean = await reuseClean(old, writer, dirty);
        reused = clean.reused;
        opts.onProgress?.({ phase: 'reuse', done: reused, total: reused });
        const spliced = new Set<number>();
        // A dirty tile is its unchanged layers from the live version plus its changed layers as rendered now.
        const splice = async (t: DirtyJob, fresh: Uint8Array | undefined): Promise<void> => {
          spliced.add(t.id);
          let mvt = fresh ?? new Uint8Array(0);
          if (!t.all) {
            const at = clean.dirtyOld.get(t.id);
            const before = at && decompress(await old.readData(at.offset, at.length), old.header.tileCompression);
            // A tile that does not split into layers (not written by this tiler) is rendered whole instead.
            mvt = merge(layers, t, before, mvt) ?? (await renderTile(db, layers, t));
          }
          if (mvt.length > 0) {
            await writer.addTile(t.z, t.x, t.y, mvt);
            tiles++;
          }
        };
        const count = await renderTiles(conns, layers, jobs, {
          onTile: (t, mvt) => splice(t, mvt),
          onProgress: (done) => opts.onProgress?.({ phase: 'render', done, total: jobs.length }),
        });
        rendered = count.rendered;
        // Dirty tiles whose changed layers are empty now (not rendered, or rendered empty) keep the other layers.
        for (const [id, mask] of dirty) {
          if (spliced.has(id) || !clean.dirtyOld.has(id)) continue;
          const t = tileIdToZxy(id);
          const zoomMask = maskOf(
            layers,
            layersAtZoom(layers, t.z).map((l) => l.spec.name),
          );
          await splice({ ...t, id, mask, all: mask === zoomMask }, undefined);
        }
        opts.onProgress?.({ phase: 'write', done: 0, total: 1 });
      });
      return { version, summary, tiles: reused + tiles, rendered, reused };
    } finally {
      await reader.close();
    }
  });
  if (result !== undefined) return result;
  return buildTiles(sql, { out: opts.out, minZoom: fallback?.minZoom, maxZoom: fallback?.maxZoom, workers });
}

/**
 * Tile `t` made of the layers drawn at its zoom, in order: its changed layers from `fresh`, the others from `before`
 * (the live version's tile, or nothing when it had none); undefined when either does not split into layers.
 */
function merge(
  layers: readonly ResolvedLayer[],
  t: DirtyJob,
  before: Uint8Array | undefined,
  fresh: Uint8Array,
): Uint8Array | undefined {
  const oldParts = before === undefined ? new Map<string, Uint8Array>() : splitLayers(before);
  const newParts = splitLayers(fresh);
  if (oldParts === undefined || newParts === undefined) return undefined;
  const parts: Uint8Array[] = [];
  layers.forEach((l, i) => {
    if (t.z < l.spec.minzoom || t.z > l.spec.maxzoom) return;
    const part = (t.mask & (1 << i) ? newParts : oldParts).get(l.spec.name);
    if (part !== undefined) parts.push(part);
  });
  return Buffer.concat(parts);
}
