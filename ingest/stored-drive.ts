/**
 * What later stages read and write of the tables ingest owns (tracks, frames): vision, fusion, review, rewards, the
 * tiler and the CLI ask through these functions instead of writing SQL against them (see db/README.md).
 */
import type { Sql } from '../db/index.ts';
import type { frames, tracks } from '../db/schema.ts';

type FrameRow = typeof frames.$inferSelect;

/** A stored frame with its position (the geometry as lon/lat). */
export type StoredFrame = Pick<
  FrameRow,
  'id' | 'idx' | 'uploadId' | 'blobKey' | 'width' | 'height' | 'headingDeg' | 'speedMps' | 'capturedAt'
> & { lat: number; lon: number };

// id and the real columns cast to float8: ids as numbers, and the real values widened exactly (fusion's rays use them).
const frameColumns = (
  sql: Sql,
) => sql`id::float8 as id, idx, upload_id as "uploadId", blob_key as "blobKey", width, height,
  heading_deg::float8 as "headingDeg", speed_mps::float8 as "speedMps", captured_at as "capturedAt",
  ST_Y(geom) as lat, ST_X(geom) as lon`;

/** The frames of an upload, by index (`by: 'idx'`) or by capture time then index (`by: 'time'`). */
export async function uploadFrames(sql: Sql, uploadId: string, by: 'idx' | 'time' = 'idx'): Promise<StoredFrame[]> {
  return sql<StoredFrame[]>`
    select ${frameColumns(sql)} from frames where upload_id = ${uploadId}
    order by ${by === 'time' ? sql`captured_at, idx` : sql`idx`}`;
}

/** How many frames an upload has. */
export async function countFrames(sql: Sql, uploadId: string): Promise<number> {
  const [n] = await sql<{ n: number }[]>`select count(*)::int as n from frames where upload_id = ${uploadId}`;
  return n?.n ?? 0;
}

/** Points a frame at a new stored image (the privacy step re-encoding an old frame blurred). */
export async function setFrameBlob(tx: Sql, frameId: number, blobKey: FrameRow['blobKey']): Promise<void> {
  await tx`update frames set blob_key = ${blobKey} where id = ${frameId}`;
}

/** An upload's validated track: the blob of its points (JSON), as sampling and matching read it. */
export async function trackPointsKey(
  sql: Sql,
  uploadId: string,
): Promise<(typeof tracks.$inferSelect)['pointsBlobKey'] | undefined> {
  const [t] = await sql<{ key: string }[]>`select points_blob_key as key from tracks where upload_id = ${uploadId}`;
  return t?.key;
}

/** Bounds in degrees (the tiler's `LonLatBounds`). */
export interface DriveBounds {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** The extent of some uploads' tracks and frames together; empty when they have neither. */
export async function driveExtent(sql: Sql, uploadIds: readonly string[]): Promise<DriveBounds[]> {
  if (uploadIds.length === 0) return [];
  return sql<DriveBounds[]>`
    select ST_XMin(e) as "minLon", ST_YMin(e) as "minLat", ST_XMax(e) as "maxLon", ST_YMax(e) as "maxLat"
    from (select ST_Extent(g)::geometry as e from (
      select geom as g from tracks where upload_id = any(${uploadIds}::uuid[])
      union all select geom from frames where upload_id = any(${uploadIds}::uuid[])) u) t
    where e is not null`;
}
