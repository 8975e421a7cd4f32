/**
 * The one way into `tile_dirty_areas` (the tiler owns it): stages that change map data mark the boxes whose tiles
 * must be redrawn, inside their own transaction, and `tiler.update` consumes them (update-dirty.ts). The `reason`
 * prefix says which layers can have changed (see `layersOfReason`).
 */
import type { Sql } from '../db/index.ts';
import type { tileDirtyAreas } from '../db/schema.ts';

/** A [w, s, e, n] box in degrees, as stored. */
export type DirtyBox = (typeof tileDirtyAreas.$inferSelect)['bbox'];

/** Marks a [w, s, e, n] box for re-tiling. */
export async function markDirty(
  tx: Sql,
  bbox: readonly [number, number, number, number],
  reason: string,
): Promise<void> {
  await tx`insert into tile_dirty_areas (bbox, reason) values (${tx.json([...bbox])}, ${reason})`;
}

/** Marks several boxes for re-tiling with one reason, in one statement. */
export async function markDirtyAreas(tx: Sql, boxes: readonly DirtyBox[], reason: string): Promise<void> {
  if (boxes.length === 0) return;
  await tx`insert into tile_dirty_areas ${tx(boxes.map((b) => ({ bbox: tx.json([...b]), reason })))}`;
}
