/**
 * The back half of sampling: the `beforeStore` hook on the decoded pixels (privacy blurring plugs in here, while the
 * frame is still in memory), JPEG encoding of the pixels the hook returns (sharp, on libuv threads) and the blob
 * write, with at most `concurrency` frames in flight so decoding continues while earlier frames encode and memory
 * stays bounded.
 */
import sharp from 'sharp';
import type { BlobStore } from '../../storage/index.ts';
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

/**
 * A kept frame as the `beforeStore` hook sees it: its decoded pixels, RGB24 rows of `width` x 3 bytes without
 * padding (`width`/`height` of FrameMeta). Only the `rgb` the hook returns is encoded and stored.
 */
export interface RawFrame extends FrameMeta {
  rgb: Buffer;
}

/** A kept frame after storage: a `frames` row to be. */
export interface SampledFrame extends FrameMeta {
  blobKey: string;
  sha256: string;
  bytes: number;
}

/**
 * Hook run on each kept frame's pixels before they are encoded and stored: it returns the pixels to store (e.g. the
 * same buffer blurred in place). Given pixels rather than a JPEG, a privacy hook needs no decode and the frame is
 * encoded once, after blurring.
 */
export type BeforeStore = (frame: RawFrame) => Promise<RawFrame>;

/**
 * JPEG settings: quality 85, libjpeg-turbo defaults (mozjpeg's are ~6x slower for ~30 % fewer bytes) and the
 * standard Huffman tables (optimised tables cost 2-2.6x the encode time for 0.4-1 % fewer bytes on real 1080p
 * frames, the same pixels); see README.
 */
export interface JpegOptions {
  quality: number;
  mozjpeg: boolean;
  /** A second pass for image-specific Huffman tables: lossless, smaller files, slower. */
  optimiseCoding: boolean;
}

/** Default JPEG settings. */
export const DEFAULT_JPEG: JpegOptions = { quality: 85, mozjpeg: false, optimiseCoding: false };

/** Encodes raw RGB24 pixels to JPEG (no metadata). */
export function encodeRgb(
  rgb: Buffer,
  width: number,
  height: number,
  jpeg: JpegOptions = DEFAULT_JPEG,
): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: jpeg.quality, mozjpeg: jpeg.mozjpeg, optimiseCoding: jpeg.optimiseCoding })
    .toBuffer();
}

/** Options of {@link FrameWriter}. */
export interface FrameWriterOptions {
  blobs: BlobStore;
  beforeStore?: BeforeStore;
  /** Frames encoding/storing at once; default 3. */
  concurrency?: number;
  jpeg?: JpegOptions;
  /**
   * Called with each `batchFrames` stored frames (and the rest at `finish`), e.g. to insert and commit their rows, so a
   * crash loses at most one batch. Awaited before more frames are queued.
   */
  onBatch?: (frames: SampledFrame[]) => Promise<void>;
  /** Frames per `onBatch` call; default 50. */
  batchFrames?: number;
}

/** A bounded queue of frames being encoded and stored. */
export class FrameWriter {
  private readonly inFlight: Array<Promise<SampledFrame>> = [];
  private readonly done: SampledFrame[] = [];
  private pending: SampledFrame[] = [];
  private readonly opts: FrameWriterOptions & { concurrency: number; jpeg: JpegOptions; batchFrames: number };

  constructor(opts: FrameWriterOptions) {
    this.opts = {
      ...opts,
      concurrency: Math.max(1, opts.concurrency ?? 3),
      jpeg: opts.jpeg ?? DEFAULT_JPEG,
      batchFrames: Math.max(1, opts.batchFrames ?? 50),
    };
  }

  private async settle(job: Promise<SampledFrame>): Promise<void> {
    const frame = await job;
    this.done.push(frame);
    this.pending.push(frame);
    if (this.opts.onBatch && this.pending.length >= this.opts.batchFrames) await this.flush();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) await this.opts.onBatch?.(batch);
  }

  /**
   * Queues a frame given as a source of its RGB24 pixels (`meta.width` x `meta.height`); waits first while
   * `concurrency` frames are still in flight (back-pressure on the decoder). `release` gets the source buffer back
   * once the frame is encoded (for reuse).
   */
  async add(meta: FrameMeta, pixels: () => Promise<Buffer> | Buffer, release?: (rgb: Buffer) => void): Promise<void> {
    while (this.inFlight.length >= this.opts.concurrency)
      await this.settle(this.inFlight.shift() as Promise<SampledFrame>);
    const job = (async (): Promise<SampledFrame> => {
      const rgb = await pixels();
      try {
        let frame: RawFrame = { ...meta, rgb };
        if (this.opts.beforeStore) frame = await this.opts.beforeStore(frame);
        // Encoded from what the hook returned, so only hooked (blurred) pixels reach the blob store.
        const { rgb: stored, ...rest } = frame;
        const jpeg = await encodeRgb(stored, rest.width, rest.height, this.opts.jpeg);
        const info = await this.opts.blobs.putBuffer(jpeg);
        return { ...rest, blobKey: info.key, sha256: info.sha256, bytes: info.size };
      } finally {
        release?.(rgb);
      }
    })();
    // A failure surfaces when the job is awaited; this only keeps it from being reported as unhandled meanwhile.
    job.catch(() => {});
    this.inFlight.push(job);
  }

  /** Waits for every queued frame; returns all stored frames in `idx` order. */
  async finish(): Promise<SampledFrame[]> {
    while (this.inFlight.length > 0) await this.settle(this.inFlight.shift() as Promise<SampledFrame>);
    await this.flush();
    return this.done.sort((a, b) => a.idx - b.idx);
  }
}
