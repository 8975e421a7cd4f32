import type { Sql } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { finishStep, runStep } from '../uploads/index.ts';
import type { BuildResult } from './build-tiles.ts';
import { LAYERS } from './layers.ts';
import { type TileChange, updateTiles } from './update-tiles.ts';

/**
 * Which table a dirty area's rows changed in, by the `reason` prefix its writer uses: fusion (`fusion:<upload>`) and
 * reviews (`review:<feature>`) change map features only, road imports (`roads:<region>`) road pieces only. Other
 * reasons (an upload's match: tracks, frames and coverage) may change any layer.
 */
const REASON_TABLES: ReadonlyArray<[prefix: string, table: string]> = [
  ['fusion:', 'map_features'],
  ['review:', 'map_features'],
  ['roads:', 'road_segments'],
];

/** The layers a dirty area with `reason` can have changed; undefined for all of them. */
export function layersOfReason(reason: string): string[] | undefined {
  const table = REASON_TABLES.find(([prefix]) => reason.startsWith(prefix))?.[1];
  if (table === undefined) return undefined;
  return LAYERS.filter((l) => l.sources.some((s) => s.tables.includes(table))).map((l) => l.name);
}

/**
 * Job `tiler.update`: re-renders the tiles of every area stages marked changed in `tile_dirty_areas` (all rows up to
 * the newest at start), swaps in the new archive version, then removes those rows. Writers record the old box of
 * anything removed or moved as well as the new one, so tiles where something was are redrawn without it. Several
 * workers may run it: the tiler's lock serialises them, and rows added meanwhile wait for the next run.
 */
export async function updateDirtyTiles(
  sql: Sql,
  out: string,
  workers = 2,
): Promise<(BuildResult & { areas: number }) | { areas: 0 }> {
  const rows = await sql<{ id: number; bbox: [number, number, number, number]; reason: string }[]>`
    select id, bbox, reason from tile_dirty_areas order by id`;
  if (rows.length === 0) return { areas: 0 };
  const maxId = rows[rows.length - 1]!.id;
  const changes: TileChange[] = rows.map((r) => {
    const layers = layersOfReason(r.reason);
    const bbox = { minLon: r.bbox[0], minLat: r.bbox[1], maxLon: r.bbox[2], maxLat: r.bbox[3] };
    return layers === undefined ? { bbox } : { bbox, layers };
  });
  const result = await updateTiles(sql, { out, changes, workers });
  await sql`delete from tile_dirty_areas where id <= ${maxId}`;
  return { ...result, areas: rows.length };
}

/**
 * Job `tiler.update` for one upload, the last step of its graph: re-renders every dirty area (the upload's among
 * them; running it again is harmless), then records the step, which marks the upload `done`.
 */
export async function tileUpload(
  ctx: Pick<StageContext, 'sql' | 'queue'>,
  uploadId: string,
  out: string,
  jobId?: string,
) {
  const r = await updateDirtyTiles(ctx.sql, out);
  const output = {
    areas: r.areas,
    ...('tiles' in r ? { tiles: r.tiles, rendered: r.rendered, reused: r.reused } : {}),
  };
  return runStep(ctx.sql, { uploadId, step: 'tiler.update', ...(jobId ? { jobId } : {}) }, async (tx) => {
    await finishStep(tx, ctx.queue, 'tiler.update', uploadId);
    return output;
  });
}
