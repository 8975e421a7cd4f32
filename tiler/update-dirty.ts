import type { Sql } from '../db/index.ts';
import type { BuildResult } from './build-tiles.ts';
import type { LonLatBounds } from './pmtiles/index.ts';
import { updateTiles } from './update-tiles.ts';

/**
 * Job `tiler.update`: re-renders the tiles of every area stages marked changed in `tile_dirty_areas` (all rows up to
 * the newest at start), swaps in the new archive version, then removes those rows. Several workers may run it: the
 * tiler's lock serialises them, and rows added meanwhile wait for the next run.
 */
export async function updateDirtyTiles(
  sql: Sql,
  out: string,
  workers = 2,
): Promise<(BuildResult & { areas: number }) | { areas: 0 }> {
  const rows = await sql<{ id: number; bbox: [number, number, number, number] }[]>`
    select id, bbox from tile_dirty_areas order by id`;
  if (rows.length === 0) return { areas: 0 };
  const maxId = rows[rows.length - 1]!.id;
  const bboxes: LonLatBounds[] = rows.map((r) => ({
    minLon: r.bbox[0],
    minLat: r.bbox[1],
    maxLon: r.bbox[2],
    maxLat: r.bbox[3],
  }));
  const result = await updateTiles(sql, { out, bboxes, workers });
  await sql`delete from tile_dirty_areas where id <= ${maxId}`;
  return { ...result, areas: rows.length };
}
