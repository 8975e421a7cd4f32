/**
 * Tile enumeration and rendering against PostGIS. Which tiles exist is decided by rendering: a tile is in the
 * archive iff its query returns bytes. Enumeration only has to produce a superset (the candidates), which is what
 * makes a full build, a parallel build and an incremental update agree byte for byte.
 */
import { MapmintError, type TileXYZ, zxyToTileId } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { layersAtZoom, type ResolvedLayer } from './layers.ts';
import type { LonLatBounds } from './pmtiles/index.ts';
import { candidateQuery, tileQuery } from './tile-sql.ts';

/** Run `fn` over `items` with at most `limit` calls in flight; `fn` also gets its lane (0..limit-1). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const run = async (lane: number) => {
    while (next < items.length) await fn(items[next++]!, lane);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, (_, lane) => run(lane)));
}

/**
 * Run `fn` with `n` connections (at most the pool size less one) reserved from `sql`'s pool, JIT off on each: PostGIS functions carry high cost
 * estimates, so the planner JIT-compiles tiny tile queries for most of a second each (measured: 0.9 s of 1.0 s).
 */
export async function withConnections<T>(sql: Sql, n: number, fn: (conns: Sql[]) => Promise<T>): Promise<T> {
  const conns: Awaited<ReturnType<Sql['reserve']>>[] = [];
  // One pool connection stays free for the caller (the tiler lock holds one): reserving them all would wait forever.
  const count = Math.max(1, Math.min(n, (sql.options.max ?? 10) - 1));
  try {
    // Reserved together: each is a round trip (or a new connection) that need not wait for the others.
    // (allSettled: none may still be reserving when `finally` releases them.)
    const reserved = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const c = await sql.reserve();
        conns.push(c);
        await c`set jit = off`;
      }),
    );
    for (const r of reserved) if (r.status === 'rejected') throw r.reason;
    return await fn(conns);
  } finally {
    for (const c of conns) {
      await c`reset jit`.catch(() => {});
      c.release();
    }
  }
}

/** Candidate tiles at zoom `z` over every layer drawn there, optionally only from geometries overlapping `area`. */
export async function candidateTiles(
  sql: Sql,
  layers: readonly ResolvedLayer[],
  z: number,
  area?: LonLatBounds,
): Promise<TileXYZ[]> {
  const seen = new Set<number>();
  const out: TileXYZ[] = [];
  const params = area ? [area.minLon, area.minLat, area.maxLon, area.maxLat] : [];
  for (const layer of layersAtZoom(layers, z)) {
    const rows = await sql.unsafe<{ x: number; y: number }[]>(candidateQuery(layer, z, area !== undefined), params);
    for (const { x, y } of rows) {
      const key = x * 2 ** z + y;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ z, x, y });
      }
    }
  }
  return out;
}

/** Renders one tile: the encoded MVT, empty when no layer has a feature there. */
export async function renderTile(sql: Sql, layers: readonly ResolvedLayer[], t: TileXYZ): Promise<Uint8Array> {
  const active = layersAtZoom(layers, t.z);
  if (active.length === 0) return new Uint8Array(0);
  try {
    const [row] = await sql.unsafe<{ mvt: Uint8Array }[]>(tileQuery(active, t.z), [t.z, t.x, t.y], { prepare: true });
    return row?.mvt ?? new Uint8Array(0);
  } catch (err) {
    throw new MapmintError('internal', 'tile_render_failed', `rendering tile ${t.z}/${t.x}/${t.y} failed: ${err}`, {
      z: t.z,
      x: t.x,
      y: t.y,
    });
  }
}

/** What a render pass did. */
export interface RenderCount {
  /** Candidates queried. */
  rendered: number;
  /** Candidates that had content and were handed to `onTile`. */
  nonEmpty: number;
}

/** A tile to render, optionally with only some of the layers (an incremental update's changed ones). */
export type RenderJob = TileXYZ & { layers?: readonly ResolvedLayer[] };

/**
 * Render `tiles` with one query in flight per connection of `conns` (see `withConnections`) and hand every non-empty
 * tile to `onTile`, one call at a time, in completion order (the archive writer sorts by tile id itself). Each tile
 * gets `layers`, or its own `layers` when it has them.
 */
export async function renderTiles<T extends RenderJob>(
  conns: readonly Sql[],
  layers: readonly ResolvedLayer[],
  tiles: readonly T[],
  opts: { onTile: (t: T, mvt: Uint8Array) => Promise<void>; onProgress?: (n: number) => void },
): Promise<RenderCount> {
  // Hilbert order keeps neighbouring tiles (and their index pages) close together in time.
  const order = [...tiles].sort((a, b) => zxyToTileId(a.z, a.x, a.y) - zxyToTileId(b.z, b.x, b.y));
  let chain = Promise.resolve();
  const count: RenderCount = { rendered: 0, nonEmpty: 0 };
  await forEachLimit(order, conns.length, async (t, lane) => {
    const mvt = await renderTile(conns[lane]!, t.layers ?? layers, t);
    count.rendered++;
    if (mvt.length > 0) {
      count.nonEmpty++;
      chain = chain.then(() => opts.onTile(t, mvt));
      await chain;
    }
    opts.onProgress?.(count.rendered);
  });
  await chain;
  return count;
}
