import type { Sql } from '../../db/index.ts';
import { type BlobStore, sha256File } from '../../storage/index.ts';
import { cropRgb, encodeCropJpeg, padBox, pixelBox, type RgbImage } from '../image/raw-image.ts';
import type { FrameDetection } from './analyse-frame.ts';

/** Which model run a set of detections belongs to. */
export interface ModelRun {
  modelId: string;
  modelVersion: string;
}

/** The sha256 (first 16 hex) of a model file: the version recorded with each detection. */
export async function fileVersion(path: string): Promise<string> {
  return (await sha256File(path)).sha256.slice(0, 16);
}

/** Saves a review crop (box padded by 20 %, from the already blurred frame); returns its blob key. */
export async function saveCrop(blobs: BlobStore, img: RgbImage, d: FrameDetection): Promise<string | undefined> {
  const b = pixelBox(padBox(d.box, 0.2), img.width, img.height);
  if (!b) return undefined;
  return (await blobs.putBuffer(encodeCropJpeg(cropRgb(img, b), 90))).key;
}

/** Inserts one frame's detections (with crops) in one multi-row insert; a rerun of the same run is a no-op. */
export async function storeFrameDetections(
  sql: Sql,
  blobs: BlobStore,
  frame: { id: number; img: RgbImage; detections: readonly FrameDetection[] },
  run: ModelRun,
): Promise<number> {
  if (frame.detections.length === 0) return 0;
  const crops = await Promise.all(frame.detections.map((d) => saveCrop(blobs, frame.img, d)));
  const rows = frame.detections.map((d, idx) => ({
    frame_id: frame.id,
    model_id: run.modelId,
    model_version: run.modelVersion,
    idx,
    class: d.feature,
    model_class: d.modelClass,
    score: d.score,
    x1: d.box.x1,
    y1: d.box.y1,
    x2: d.box.x2,
    y2: d.box.y2,
    text: d.text ?? null,
    value: d.value ?? null,
    crop_blob_key: crops[idx] ?? null,
    extra: sql.json(d.extra as never),
  }));
  const res =
    await sql`insert into detections ${sql(rows)} on conflict (frame_id, model_id, model_version, idx) do nothing`;
  return res.count;
}
