/**
 * Full builds: enumerate the candidate tiles of every zoom, render them on a pool of connections, write a new
 * archive version and swap it in. Shared with incremental updates: the session (tiler lock, reserved connections,
 * layer sources), the archive metadata and the writing of a version.
 */
import type { Sql } from '../db/index.ts';
import { type ArchiveVersion, publishVersion } from './archive-store.ts';
import { ATTRIBUTION, type ResolvedLayer, vectorLayers } from './layers.ts';
import { type ArchiveSummary, type LonLatBounds, PMTilesWriter, type WriteArchiveOptions } from './pmtiles/index.ts';
import { candidateTiles, forEachLimit, renderTiles, withConnections } from './render-tiles.ts';
import { extentQuery, resolveLayers } from './tile-sql.ts';

/** Progress of a build or update, for CLIs and job logs. */
export interface TilerProgress {
  phase: 'enumerate' | 'render' | 'reuse' | 'write';
  done: number;
  total: number;
}

/** Options of `buildTiles`. */
export interface BuildTilesOptions {
  /** Directory holding the archive versions and `current.json`. */
  out: string;
  minZoom?: number;
  maxZoom?: number;
  /** Connections reserved from `sql`'s pool, one tile query in flight on each; default 4 (at most pool size - 1). */
  workers?: number;
  onProgress?: (p: TilerProgress) => void;
}

/** What a build or update produced. */
export interface BuildResult {
  version: ArchiveVersion;
  summary: ArchiveSummary;
  /** Tiles in the new archive. */
  tiles: number;
  /** Tiles queried from PostGIS. */
  rendered: number;
  /** Tiles copied from the previous version (0 for a full build). */
  reused: number;
}

/** Build settings recorded in the archive metadata, so an update can reproduce them. */
export interface BuildSettings {
  minZoom: number;
  maxZoom: number;
  /** Which source each layer read, with its zoom filters: when it changes, an update falls back to a full build. */
  layers: string[];
}

const TILER_LOCK = 727_101;

/** Run `fn` holding the tiler's advisory lock: one build or update at a time across every worker process. */
export async function withTilerLock<T>(sql: Sql, fn: () => Promise<T>): Promise<T> {
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${TILER_LOCK})`;
    try {
      return await fn();
    } finally {
      await conn`select pg_advisory_unlock(${TILER_LOCK})`;
    }
  } finally {
    conn.release();
  }
}

/** What a build or update works with: `workers` reserved connections (the first also for setup queries), layers. */
export interface TilerSession {
  conns: Sql[];
  layers: ResolvedLayer[];
}

/** Run `fn` under the tiler lock with `workers` connections reserved (see `withConnections`) and the layers resolved. */
export function withTilerSession<T>(sql: Sql, workers: number, fn: (s: TilerSession) => Promise<T>): Promise<T> {
  return withTilerLock(sql, () =>
    withConnections(sql, workers, async (conns) => fn({ conns, layers: await resolveLayers(conns[0]!) })),
  );
}

/**
 * Write a new version under `out` with `options`: `fill` adds the tiles, then the archive is finished and swapped in
 * (or discarded when `fill` throws).
 */
export async function writeVersion(
  out: string,
  options: WriteArchiveOptions,
  fill: (writer: PMTilesWriter) => Promise<void>,
): Promise<{ version: ArchiveVersion; summary: ArchiveSummary }> {
  return publishVersion(out, async (sink) => {
    const writer = await PMTilesWriter.open(sink, options);
    try {
      await fill(writer);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.finish();
  });
}

/** The signature of the chosen layer sources and of the rows each zoom draws (tiles built otherwise differ). */
export function layerSignature(layers: readonly ResolvedLayer[]): string[] {
  return layers.map(
    ({ spec, source }) =>
      `${spec.name}:${source.tables.join('+')}${(spec.zoomFilters ?? []).map((f) => ` z<=${f.maxzoom}:${f.where}`).join('')}`,
  );
}

/** The lon/lat extent of the data, or undefined when every layer is empty. */
export async function dataExtent(sql: Sql, layers: readonly ResolvedLayer[]): Promise<LonLatBounds | undefined> {
  if (layers.length === 0) return undefined;
  const [row] = await sql.unsafe<LonLatBounds[]>(extentQuery(layers));
  return row;
}

/** Writer options: metadata (vector_layers, attribution, bounds, center, build settings), header bounds/center. */
export function archiveOptions(
  layers: readonly ResolvedLayer[],
  settings: BuildSettings,
  extent: LonLatBounds | undefined,
): WriteArchiveOptions {
  const metadata: Record<string, unknown> = {
    name: 'mapmint',
    description: 'mapmint crowdsourced street map: drive coverage, sequences, frames and map features',
    attribution: ATTRIBUTION,
    type: 'overlay',
    format: 'pbf',
    version: '1',
    minzoom: settings.minZoom,
    maxzoom: settings.maxZoom,
    vector_layers: vectorLayers(layers),
    mapmint: settings,
  };
  if (extent === undefined) return { metadata };
  const minLayerZoom = Math.min(...layers.map((l) => l.spec.minzoom));
  const zoom = Math.min(settings.maxZoom, Math.max(settings.minZoom, minLayerZoom + 3));
  const center = { lon: (extent.minLon + extent.maxLon) / 2, lat: (extent.minLat + extent.maxLat) / 2, zoom };
  metadata['bounds'] = [extent.minLon, extent.minLat, extent.maxLon, extent.maxLat];
  metadata['center'] = [center.lon, center.lat, center.zoom];
  return { metadata, bounds: extent, center };
}

/** Check a zoom range; returns it with defaults 0..16. */
export function zoomRange(minZoom = 0, maxZoom = 16): { minZoom: number; maxZoom: number } {
  if (!Number.isInteger(minZoom) || !Number.isInteger(maxZoom) || minZoom < 0 || maxZoom > 22 || minZoom > maxZoom) {
    throw new RangeError(`zoom range ${minZoom}..${maxZoom} must be integers with 0 <= min <= max <= 22`);
  }
  return { minZoom, maxZoom };
}

/** Render every tile with data at zooms minZoom..maxZoom into a new archive version under `out` and swap it in. */
export async function buildTiles(sql: Sql, opts: BuildTilesOptions): Promise<BuildResult> {
  const { minZoom, maxZoom } = zoomRange(opts.minZoom, opts.maxZoom);
  return withTilerSession(sql, opts.workers ?? 4, async ({ conns, layers }) => {
    const settings: BuildSettings = { minZoom, maxZoom, layers: layerSignature(layers) };
    const zooms = Array.from({ length: maxZoom - minZoom + 1 }, (_, i) => minZoom + i);
    const perZoom = new Map<number, Awaited<ReturnType<typeof candidateTiles>>>();
    await forEachLimit(zooms, conns.length, async (z, lane) => {
      perZoom.set(z, await candidateTiles(conns[lane]!, layers, z));
      opts.onProgress?.({ phase: 'enumerate', done: perZoom.size, total: zooms.length });
    });
    const candidates = zooms.flatMap((z) => perZoom.get(z) ?? []);
    const options = archiveOptions(layers, settings, await dataExtent(conns[0]!, layers));
    let counts = { rendered: 0, nonEmpty: 0 };
    const { version, summary } = await writeVersion(opts.out, options, async (writer) => {
      counts = await renderTiles(conns, layers, candidates, {
        onTile: (t, mvt) => writer.addTile(t.z, t.x, t.y, mvt),
        onProgress: (done) => opts.onProgress?.({ phase: 'render', done, total: candidates.length }),
      });
      opts.onProgress?.({ phase: 'write', done: 0, total: 1 });
    });
    return { version, summary, tiles: counts.nonEmpty, rendered: counts.rendered, reused: 0 };
  });
}
