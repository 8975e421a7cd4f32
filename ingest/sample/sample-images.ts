/**
 * Pre-sampled image sequences (Hivemapper-style dashcams upload stills): pose from each image's EXIF GPS, or from a
 * sidecar track at the image's time; the same distance / heading rule between consecutive images and the same
 * blur/dark thresholds; re-encoded as JPEG without metadata (sharp drops EXIF unless asked), upright per EXIF
 * orientation.
 */
import exifr from 'exifr';
import sharp, { type OutputInfo } from 'sharp';
import type { Track } from '../../core/index.ts';
import { bearing, haversine, headingDelta } from '../../core/index.ts';
import type { Sql } from '../../db/index.ts';
import type { BlobStore } from '../../storage/index.ts';
import { readExifPoint } from '../telemetry/index.ts';
import {
  DEFAULT_QUALITY,
  type FrameQuality,
  greyQuality,
  type QualityThresholds,
  qualityVerdict,
} from './frame-quality.ts';
import { insertFrames } from './insert-frames.ts';
import { DEFAULT_RULES, type SelectionRules } from './plan-frames.ts';
import { type BeforeStore, DEFAULT_JPEG, FrameWriter, type JpegOptions, type SampledFrame } from './store-frames.ts';
import { TrackPoses } from './track-pose.ts';

/** Input of {@link sampleImages}. */
export interface SampleImagesInput {
  images: string[];
  /** Sidecar track: poses come from it at each image's time instead of from the image's own GPS. */
  track?: Track;
  blobs: BlobStore;
  opts?: Partial<Pick<SelectionRules, 'intervalM' | 'headingChangeDeg'> & QualityThresholds> & {
    jpeg?: Partial<JpegOptions>;
    idxOffset?: number;
    concurrency?: number;
    /** Frames per committed batch of rows when `db` is given; default 50. */
    batchFrames?: number;
  };
  beforeStore?: BeforeStore;
  /** Also insert the rows, a batch at a time as images are stored (see SampleFramesInput.db). */
  db?: { sql: Sql; uploadId: string };
  /** Row indices already stored by an earlier, interrupted run: not stored again. */
  stored?: ReadonlySet<number>;
}

/** Why an image was not kept. */
export interface SkippedImage {
  image: string;
  reason: 'no_pose' | 'too_close' | 'dark' | 'blurred' | 'unreadable';
  detail?: string;
}

/** Capture time of an image without GPS: DateTimeOriginal read as UTC (EXIF stores no zone). */
async function exifTime(file: string): Promise<number | undefined> {
  const tags = (await exifr.parse(file, { pick: ['DateTimeOriginal'], reviveValues: false }).catch(() => undefined)) as
    | Record<string, unknown>
    | undefined;
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(String(tags?.['DateTimeOriginal'] ?? ''));
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/** An image placed in time and space. */
interface Located {
  image: string;
  t: number;
  lat: number;
  lon: number;
  heading?: number;
  speed?: number;
}

/** Places each image: from the sidecar track at its time when there is one, else from its own EXIF GPS. */
async function locateImages(images: string[], poses: TrackPoses | undefined, skipped: SkippedImage[]) {
  const located: Located[] = [];
  for (const image of images) {
    const r = await readExifPoint(image);
    const t = r.point?.t ?? (poses ? await exifTime(image) : undefined);
    const pose = poses && t !== undefined ? poses.at(t) : undefined;
    if (pose && t !== undefined) {
      located.push({
        image,
        t,
        lat: pose.lat,
        lon: pose.lon,
        ...(pose.headingDeg !== undefined ? { heading: pose.headingDeg } : {}),
        speed: pose.speedMps,
      });
    } else if (!poses && r.point) {
      const p = r.point;
      located.push({
        image,
        t: p.t,
        lat: p.lat,
        lon: p.lon,
        ...(p.heading !== undefined ? { heading: p.heading } : {}),
        ...(p.speed !== undefined ? { speed: p.speed } : {}),
      });
    } else skipped.push({ image, reason: 'no_pose', detail: r.reason ?? 'outside the track' });
  }
  return located.sort((a, b) => a.t - b.t);
}

/** Upright size and quality of an image (from a 480 px wide grey copy), or why it cannot be used. */
async function imageQuality(
  image: string,
  o: QualityThresholds,
): Promise<{ size: { width: number; height: number }; quality: FrameQuality } | SkippedImage> {
  let grey: { data: Buffer; info: OutputInfo };
  let size: { width: number; height: number };
  try {
    const meta = await sharp(image).metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    size = { width: (swap ? meta.height : meta.width) ?? 0, height: (swap ? meta.width : meta.height) ?? 0 };
    grey = await sharp(image)
      .rotate()
      .resize({ width: Math.min(480, size.width) })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    return { image, reason: 'unreadable', detail: e instanceof Error ? e.message : String(e) };
  }
  const quality = greyQuality(grey.data, {
    width: grey.info.width,
    height: grey.info.height,
    stride: grey.info.width * grey.info.channels,
  });
  const verdict = qualityVerdict(quality, o);
  if (!verdict) return { size, quality };
  const detail = `sharpness ${quality.sharpness.toFixed(1)}, brightness ${quality.brightness.toFixed(1)}`;
  return { image, reason: verdict, detail };
}

/** The image's heading: its own, else towards the next image, else from the last kept one. */
function headingOf(im: Located, next: Located | undefined, last: Located | undefined): number | undefined {
  if (im.heading !== undefined) return im.heading;
  if (next) return bearing(im.lat, im.lon, next.lat, next.lon);
  return last ? bearing(last.lat, last.lon, im.lat, im.lon) : undefined;
}

/** Samples an image sequence; returns stored frames (idx = position in time order + idxOffset) and the skipped. */
export async function sampleImages(
  input: SampleImagesInput,
): Promise<{ frames: SampledFrame[]; skipped: SkippedImage[] }> {
  const o = { ...DEFAULT_RULES, ...DEFAULT_QUALITY, idxOffset: 0, concurrency: 2, ...input.opts };
  const skipped: SkippedImage[] = [];
  const located = await locateImages(input.images, input.track ? new TrackPoses(input.track) : undefined, skipped);
  const db = input.db;
  const writer = new FrameWriter({
    blobs: input.blobs,
    concurrency: o.concurrency,
    jpeg: { ...DEFAULT_JPEG, ...input.opts?.jpeg },
    ...(input.beforeStore ? { beforeStore: input.beforeStore } : {}),
    ...(db ? { onBatch: async (b) => void (await insertFrames(db.sql, db.uploadId, b)) } : {}),
    ...(o.batchFrames !== undefined ? { batchFrames: o.batchFrames } : {}),
  });
  let last: Located | undefined;
  for (const [k, im] of located.entries()) {
    const heading = headingOf(im, located[k + 1], last);
    if (last) {
      const d = haversine(last.lat, last.lon, im.lat, im.lon);
      const turned =
        heading !== undefined &&
        last.heading !== undefined &&
        Math.abs(headingDelta(heading, last.heading)) > o.headingChangeDeg;
      if (d < o.intervalM && !turned) {
        skipped.push({ image: im.image, reason: 'too_close', detail: `${d.toFixed(1)} m from the last kept image` });
        continue;
      }
    }
    const q = await imageQuality(im.image, o);
    if ('reason' in q) {
      skipped.push(q);
      continue;
    }
    last = { ...im, ...(heading !== undefined ? { heading } : {}) };
    if (input.stored?.has(o.idxOffset + k)) continue;
    const meta = {
      idx: o.idxOffset + k,
      t: im.t,
      lat: im.lat,
      lon: im.lon,
      headingDeg: heading ?? null,
      speedMps: im.speed ?? null,
      ...q.size,
      quality: q.quality,
      reason: k === 0 ? 'first' : 'distance',
      source: im.image,
    };
    // Decoded upright to RGB24 (the hook's input); the writer encodes it as JPEG, which drops all metadata.
    await writer.add(meta, () =>
      sharp(im.image).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer(),
    );
  }
  return { frames: await writer.finish(), skipped };
}
