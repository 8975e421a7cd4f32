/**
 * What other folders read and write of `detections` (vision owns it): fusion's posed detections, review's crops
 * and the CLI's counts come through these functions (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../../db/index.ts';
import type { detections } from '../../db/schema.ts';

type DetectionRow = typeof detections.$inferSelect;

/** A detection's label, score and box in frame pixels. */
export type StoredDetection = Pick<
  DetectionRow,
  'id' | 'frameId' | 'class' | 'score' | 'x1' | 'y1' | 'x2' | 'y2' | 'value' | 'cropBlobKey'
>;

/**
 * ids as numbers. Fusion's rays take the real columns widened exactly to float8; crops (`asText`) take them as
 * PostgreSQL prints a real (shortest decimal), as crops were always cut, so their pixel rounding stays as it was.
 */
const detectionColumns = (sql: Sql, asText = false) =>
  asText
    ? sql`d.id::float8 as id, d.frame_id::float8 as "frameId", d.class, d.score, d.x1, d.y1, d.x2, d.y2, d.value,
        d.crop_blob_key as "cropBlobKey"`
    : sql`d.id::float8 as id, d.frame_id::float8 as "frameId", d.class, d.score::float8 as score, d.x1::float8 as x1,
        d.y1::float8 as y1, d.x2::float8 as x2, d.y2::float8 as y2, d.value, d.crop_blob_key as "cropBlobKey"`;

/**
 * The detections on some frames from the newest model run that saw any of them (re-running a newer model adds a set
 * beside the old one), of the given classes, by id.
 */
export async function newestRunDetections(
  sql: Sql,
  frameIds: readonly number[],
  classes: readonly string[],
): Promise<StoredDetection[]> {
  if (frameIds.length === 0) return [];
  const ids = frameIds as number[];
  return sql<StoredDetection[]>`
    with run as (
      select model_id, model_version from detections where frame_id = any(${ids}::bigint[])
      group by 1, 2 order by max(created_at) desc, 1, 2 limit 1)
    select ${detectionColumns(sql)}
    from detections d join run on run.model_id = d.model_id and run.model_version = d.model_version
    where d.frame_id = any(${ids}::bigint[]) and d.class = any(${classes as string[]})
    order by d.id`;
}

/** The detections on a frame that have a review crop (the privacy step re-cuts them). */
export async function croppedDetections(sql: Sql, frameId: number): Promise<StoredDetection[]> {
  return sql<StoredDetection[]>`
    select ${detectionColumns(sql, true)} from detections d
    where d.frame_id = ${frameId} and d.crop_blob_key is not null`;
}

/** Replaces a detection's review crop (null: none could be cut). */
export async function setDetectionCrop(tx: Sql, id: number, cropBlobKey: DetectionRow['cropBlobKey']): Promise<void> {
  await tx`update detections set crop_blob_key = ${cropBlobKey} where id = ${id}`;
}

/** How many detections (of every run) some frames have. */
export async function countDetections(sql: Sql, frameIds: readonly number[]): Promise<number> {
  if (frameIds.length === 0) return 0;
  const [n] = await sql<{ n: number }[]>`
    select count(*)::int as n from detections where frame_id = any(${frameIds as number[]}::bigint[])`;
  return n?.n ?? 0;
}
