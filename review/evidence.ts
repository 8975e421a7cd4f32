/**
 * The evidence behind items and features: crops and frames (already blurred at ingest, so serving them exposes
 * nothing that was not blurred), the public feature detail, and the stored image bytes with their ETags. Everything
 * here reads `public_frames` (frames of uploads not quarantined, outside their driver's privacy zones), addresses
 * images by their random public ids and shows times to the day (README "Privacy").
 */
import sharp from 'sharp';
import type { FeatureDetails, ReviewCrop } from '../api/index.ts';
import type { ReviewItemKind } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { featureById } from '../fusion/index.ts';
import { type BlobStore, isValidKey } from '../storage/index.ts';

/** A crop of one detection that supports an item (the wire type, declared once in api/review.ts). */
export type Crop = ReviewCrop;

/** Where the stored (blurred) frame is served: by its public id, never its serial. */
export const frameUrl = (framePublicId: string): string => `/v1/frames/${framePublicId}/image`;

/** Where a detection's stored (blurred) crop is served: by its public id, never its serial. */
export const cropUrl = (detectionPublicId: string): string => `/v1/detections/${detectionPublicId}/crop`;

/** A public time: the UTC day (`YYYY-MM-DD`), coarse enough that times do not order a drive's frames into a route. */
export const publicDay = (t: Date): string => t.toISOString().slice(0, 10);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CropRow {
  kind: ReviewItemKind;
  itemId: number;
  detectionId: number;
  detectionPublicId: string;
  framePublicId: string;
  class: string;
  score: number;
  capturedAt: Date | null;
  uploadId: string | null;
}

/**
 * Crops for items, keyed `kind:id`: for a feature, the detections that support it, the best of each drive first
 * (then each drive's second best, ...), at most `max`; for a detection, itself.
 */
export async function cropsOf(
  sql: Sql,
  items: ReadonlyArray<{ kind: ReviewItemKind; id: number }>,
  max: number,
): Promise<Map<string, Crop[]>> {
  const fids = items.filter((i) => i.kind === 'feature').map((i) => i.id);
  const dids = items.filter((i) => i.kind === 'detection').map((i) => i.id);
  const rows: CropRow[] = [];
  // One statement per kind, reading fusion's observations, vision's detections and ingest's frames (the db/README.md
  // exception): the per-drive ranking and the cut at `max` run in SQL, so a much-seen feature never ships all of its
  // observations to be ranked here.
  if (fids.length > 0) {
    rows.push(
      ...(await sql<CropRow[]>`
        select 'feature' as kind, "itemId", "detectionId", "detectionPublicId", "framePublicId", class, score,
          "capturedAt", "uploadId" from (
          select fo.feature_id::float8 as "itemId", d.id::float8 as "detectionId",
            d.public_id as "detectionPublicId", fr.public_id as "framePublicId",
            d.class, d.score::float8 as score, fr.captured_at as "capturedAt", fr.upload_id as "uploadId",
            row_number() over (partition by fo.feature_id order by q.rk, d.score desc, d.id) as n
          from (select detection_id, feature_id,
                  row_number() over (partition by feature_id, upload_id order by score desc, detection_id) as rk
                from feature_observations where feature_id = any(${fids}::bigint[])) q
          join feature_observations fo on fo.detection_id = q.detection_id
          join detections d on d.id = fo.detection_id
          join public_frames fr on fr.id = d.frame_id
        ) t where n <= ${max} order by "itemId", n`),
    );
  }
  if (dids.length > 0) {
    rows.push(
      ...(await sql<CropRow[]>`
        select 'detection' as kind, d.id::float8 as "itemId", d.id::float8 as "detectionId",
          d.public_id as "detectionPublicId", fr.public_id as "framePublicId",
          d.class, d.score::float8 as score, fr.captured_at as "capturedAt", fr.upload_id as "uploadId"
        from detections d join public_frames fr on fr.id = d.frame_id where d.id = any(${dids}::bigint[])`),
    );
  }
  const out = new Map<string, Crop[]>();
  for (const r of rows) {
    const key = `${r.kind}:${r.itemId}`;
    const list = out.get(key) ?? [];
    list.push({
      detectionId: r.detectionId,
      url: cropUrl(r.detectionPublicId),
      frameUrl: frameUrl(r.framePublicId),
      class: r.class,
      score: r.score,
      capturedAt: r.capturedAt ? publicDay(r.capturedAt) : null,
      uploadId: r.uploadId,
    });
    out.set(key, list);
  }
  return out;
}

/** A map feature as the public feature endpoint shows it (api/review.ts). */
export type FeatureDetail = FeatureDetails;

/** A feature with up to `maxFrames` of the frames that saw it (one per drive first, best first); undefined if none. */
export async function featureDetail(sql: Sql, id: number, maxFrames = 6): Promise<FeatureDetail | undefined> {
  const f = await featureById(sql, id);
  if (!f) return undefined;
  const crops = (await cropsOf(sql, [{ kind: 'feature', id }], maxFrames)).get(`feature:${id}`) ?? [];
  return {
    id: f.id,
    class: f.class,
    value: f.value,
    confidence: f.confidence,
    status: f.status,
    firstSeenAt: publicDay(f.firstSeenAt),
    lastSeenAt: publicDay(f.lastSeenAt),
    lon: f.lon,
    lat: f.lat,
    observations: f.observationCount,
    drives: f.driveCount,
    votesUp: f.votesUp,
    votesDown: f.votesDown,
    frames: crops.map((c) => ({
      detectionId: c.detectionId,
      frameUrl: c.frameUrl,
      cropUrl: c.url,
      capturedAt: c.capturedAt,
    })),
  };
}

/**
 * A stored JPEG's strong validator (the bytes' SHA-256: blob keys are content addresses) and its bytes, which are
 * left out when the caller's `ifNoneMatch` accepts the ETag (a 304 reads nothing from the store).
 */
export interface StoredImage {
  etag: string;
  bytes?: Buffer;
}

const etagOf = (key: string, suffix = ''): string => `"${key.slice(key.lastIndexOf('/') + 1)}${suffix}"`;

/** The blob of a public frame, by its public id, without reading it (for conditional requests); undefined if none. */
async function frameKey(sql: Sql, framePublicId: string): Promise<string | undefined> {
  if (!UUID.test(framePublicId)) return undefined;
  const [r] = await sql<{ key: string }[]>`
    select blob_key as key from public_frames where public_id = ${framePublicId}`;
  return r && isValidKey(r.key) ? r.key : undefined;
}

/**
 * A frame's stored JPEG (blurred at ingest) by its public id, or undefined when there is no such public frame (none,
 * quarantined, or inside a privacy zone of its driver) or it has no stored image. With `ifNoneMatch` equal to its
 * ETag, only the ETag is returned (no bytes read).
 */
export async function frameImage(
  sql: Sql,
  blobs: BlobStore,
  framePublicId: string,
  ifNoneMatch?: (etag: string) => boolean,
): Promise<StoredImage | undefined> {
  const key = await frameKey(sql, framePublicId);
  if (!key) return undefined;
  const etag = etagOf(key);
  if (ifNoneMatch?.(etag)) return { etag };
  return { etag, bytes: await blobs.getBuffer(key) };
}

/**
 * A detection's stored crop (cut from the blurred frame by vision) by the detection's public id, or, for a detection
 * stored without one, the same crop (box padded by 20 %) cut now from its stored blurred frame. Undefined when
 * neither exists or the frame is not public.
 */
export async function detectionCrop(
  sql: Sql,
  blobs: BlobStore,
  detectionPublicId: string,
  ifNoneMatch?: (etag: string) => boolean,
): Promise<StoredImage | undefined> {
  if (!UUID.test(detectionPublicId)) return undefined;
  const [d] = await sql<
    { crop: string | null; frame: string; x1: number; y1: number; x2: number; y2: number; w: number; h: number }[]
  >`
    select d.crop_blob_key as crop, fr.blob_key as frame, d.x1, d.y1, d.x2, d.y2,
      fr.width as w, fr.height as h
    from detections d join public_frames fr on fr.id = d.frame_id
    where d.public_id = ${detectionPublicId}`;
  if (!d) return undefined;
  if (d.crop && isValidKey(d.crop)) {
    const etag = etagOf(d.crop);
    if (ifNoneMatch?.(etag)) return { etag };
    return { etag, bytes: await blobs.getBuffer(d.crop) };
  }
  if (!isValidKey(d.frame)) return undefined;
  // The public id, not the serial, tells this crop's ETag from its frame's.
  const etag = etagOf(d.frame, `-d${detectionPublicId}`);
  if (ifNoneMatch?.(etag)) return { etag };
  const frame = await blobs.getBuffer(d.frame);
  const meta = await sharp(frame).metadata();
  const fw = meta.width ?? d.w;
  const fh = meta.height ?? d.h;
  const px = (d.x2 - d.x1) * 0.2;
  const py = (d.y2 - d.y1) * 0.2;
  const left = Math.max(0, Math.floor(d.x1 - px));
  const top = Math.max(0, Math.floor(d.y1 - py));
  const right = Math.min(fw, Math.ceil(d.x2 + px));
  const bottom = Math.min(fh, Math.ceil(d.y2 + py));
  if (right - left < 1 || bottom - top < 1) return undefined;
  const bytes = await sharp(frame)
    .extract({ left, top, width: right - left, height: bottom - top })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { etag, bytes };
}
