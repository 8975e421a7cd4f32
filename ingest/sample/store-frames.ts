/**
 * The back half of sampling: JPEG encoding (sharp, on libuv threads), the `beforeStore` hook (privacy blurring plugs
 * in here, while the frame is still in memory) and the blob write, with at most `concurrency` frames in flight so
 * decoding continues while earlier frames encode and memory stays bounded.
 */
import sharp from 'sharp';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { FrameQuality } from './frame-quality.ts';

/** What we know about a kept frame before it is stored. */
export interface FrameMeta {
  /** Row index within the upload (unique per upload). */
  idx: number;
  /** Capture time, Unix ms. */
  t: number;
  lat: number;
  lon: number;
  headingDeg: number | null;
  speedMps: number | null;
  width: number;
  height: number;
  quality: FrameQuality;
  reason: string;
  /** Source: the video frame index, or the image path. */
  source: number | string;
}

/** A kept frame, encoded, as the `beforeStore` hook sees it. */
export interface EncodedFrame extends FrameMeta {
  jpeg: Buffer;
}

/** A kept frame after storage: a `frames` row to be. */
export interface SampledFrame extends FrameMeta {
  blobKey: string;
  sha256: string;
  bytes: number;
}

/** Hook run on each encoded frame before it is stored (may replace `jpeg`, e.g. with a blurred one). */
export type BeforeStore = (frame: EncodedFrame) => Promise<EncodedFrame>;

/** JPEG settings: quality 85 and plain libjpeg-turbo (mozjpeg is ~6x slower for ~30 % fewer bytes; see README). */
export interface JpegOptions {
  quality: number;
  mozjpeg: boolean;
}

/** Default JPEG settings. */
export const DEFAULT_JPEG: JpegOptions = { quality: 85, mozjpeg: false };

/** Encodes raw RGB24 pixels to JPEG (no metadata). */
export function encodeRgb(
  rgb: Buffer,
  width: number,
  height: number,
  jpeg: JpegOptions = DEFAULT_JPEG,
): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: jpeg.quality, mozjpeg: jpeg.mozjpeg })
    .toBuffer();
}

/** A bounded queue of frames being encoded and stored. */
export class FrameWriter {
  private readonly inFlight: Array<Promise<SampledFrame>> = [];
  private readonly done: SampledFrame[] = [];
  private readonly opts: { blobs: BlobStore; beforeStore?: BeforeStore; concurrency: number };

  constructor(opts: { blobs: BlobStore; beforeStore?: BeforeStore; concurrency?: number }) {
    this.opts = { ...opts, concurrency: Math.max(1, opts.concurrency ?? 3) };
  }

  /** Queues a frame; waits first while `concurrency` frames are still in flight (back-pressure on the decoder). */
  async add(meta: FrameMeta, encode: () => Promise<Buffer>): Promise<void> {
    while (this.inFlight.length >= this.opts.concurrency)
      this.done.push(await (this.inFlight.shift() as Promise<SampledFrame>));
    const job = (async (): Promise<SampledFrame> => {
      let frame: EncodedFrame = { ...meta, jpeg: await encode() };
      if (this.opts.beforeStore) frame = await this.opts.beforeStore(frame);
      const info = await this.opts.blobs.putBuffer(frame.jpeg);
      const { jpeg: _bytes, ...rest } = frame;
      return { ...rest, blobKey: info.key, sha256: info.sha256, bytes: info.size };
    })();
    // A failure surfaces when the job is awaited; this only keeps it from being reported as unhandled meanwhile.
    job.catch(() => {});
    this.inFlight.push(job);
  }

  /** Waits for every queued frame; returns all stored frames in `idx` order. */
  async finish(): Promise<SampledFrame[]> {
    while (this.inFlight.length > 0) this.done.push(await (this.inFlight.shift() as Promise<SampledFrame>));
    return this.done.sort((a, b) => a.idx - b.idx);
  }
}
