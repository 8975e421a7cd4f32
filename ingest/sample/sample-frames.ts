/**
 * Video to posed, sampled, stored frames. The keep rules that need no pixels (distance, heading, stationary) run
 * first over the frame times, so ffmpeg only pipes the picked frames; each piped frame is then posed at its exact pts,
 * quality-checked on its Y plane, converted to RGB, passed through `beforeStore`, JPEG-encoded and stored, with
 * encodes overlapping the decode. A pick that fails the quality check is replaced by one of its next
 * `fallbackFrames` frames, fetched in a second pass that seeks to just those windows (fallback-runs.ts).
 */

import type { Track } from '../../core/index.ts';
import type { Sql } from '../../db/index.ts';
import type { BlobStore } from '../../storage/index.ts';
import {
  type Alignment,
  type DecodeStats,
  decodeFrames,
  frameTimes,
  probeVideo,
  type RawFrame,
  type VideoProbe,
} from '../video/index.ts';
import { type FallbackSpan, fallbackRuns } from './fallback-runs.ts';
import { DEFAULT_QUALITY, greyQuality, type QualityThresholds, qualityVerdict } from './frame-quality.ts';
import { insertFrames } from './insert-frames.ts';
import {
  DEFAULT_RULES,
  type Pick as FramePick,
  type PlanCounts,
  planFrames,
  type SelectionRules,
} from './plan-frames.ts';
import { type BeforeStore, DEFAULT_JPEG, FrameWriter, type JpegOptions, type SampledFrame } from './store-frames.ts';
import { TrackPoses } from './track-pose.ts';
import { matrixFor, yuv420ToRgb } from './yuv-to-rgb.ts';

/** Tunables of sampling; every field has a default. */
export interface SamplingOptions extends SelectionRules, QualityThresholds {
  jpeg: JpegOptions;
  /** Frames wider than this are scaled down in ffmpeg; default 1920. */
  maxWidth: number;
  /** Frames encoding/storing at once; default 3. */
  concurrency: number;
  /** Added to the video frame index to make the row `idx` (several videos in one upload); default 0. */
  idxOffset: number;
  /** Frames per committed batch of rows when `db` is given; default 50. */
  batchFrames: number;
}

/** Input of {@link sampleFrames}. */
export interface SampleFramesInput {
  /** Video path, or a probe already made. */
  video: string | VideoProbe;
  track: Track;
  /** Video t0 (Unix ms) or an alignment from `alignVideoToTrack`. */
  align: Alignment | number;
  blobs: BlobStore;
  opts?: Partial<Omit<SamplingOptions, 'jpeg'>> & { jpeg?: Partial<JpegOptions> };
  beforeStore?: BeforeStore;
  /**
   * Also insert the rows, a batch at a time as frames are stored (idempotent; pass a connection, not a transaction,
   * for each batch to commit on its own); otherwise the caller inserts them with `insertFrames`.
   */
  db?: { sql: Sql; uploadId: string };
  /** Row indices already stored by an earlier, interrupted run: kept as before but not stored again. */
  stored?: ReadonlySet<number>;
  onProgress?: (p: { pts: number; durationS: number; kept: number }) => void;
}

/** Counts of what happened to the video's frames. */
export interface SampleStats extends PlanCounts {
  frames: number;
  picks: number;
  /** Frames piped out of ffmpeg, both passes. */
  decoded: number;
  /** Frames piped by the first pass: one per pick. */
  pipedPicks: number;
  /** Frames piped by the fallback pass, for picks that failed the quality check (or did not arrive). */
  pipedFallbacks: number;
  /** ffmpeg runs (seeks) of the fallback pass. */
  fallbackRuns: number;
  kept: number;
  blurred: number;
  dark: number;
  /** Piped frames not needed because an earlier frame of their window was kept. */
  spare: number;
  inserted: number;
  /** Kept frames found already stored (`stored`) and not stored again. */
  resumed: number;
  decodeWarnings: string[];
}

/** Index of the time in an ascending array closest to `t`. */
function nearest(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - (times[lo - 1] as number) < (times[lo] as number) - t ? lo - 1 : lo;
}

/** What became of a pick: no frame of it piped yet, piped frames all failed, or a frame kept. */
const UNSEEN = 0;
const FAILED = 1;
const KEPT = 2;

/** One video's sampling in progress: the plan, what became of each pick, and the writer storing kept frames. */
class VideoSampler {
  readonly stats: SampleStats;
  private readonly decodeStats: DecodeStats = { yielded: 0, warnings: [] };
  private readonly writer: FrameWriter;
  private readonly matrix: ReturnType<typeof matrixFor>;
  // RGB buffers reused once their JPEG is encoded (at most `concurrency` + 1 exist; the hook blurs in them first): a
  // fresh 6 MB buffer per 1080p frame cost more in page faults and GC than the conversion itself.
  private readonly rgbFree: Buffer[] = [];
  private readonly state: Uint8Array;
  private readonly half: number;
  private progressPts = 0;

  constructor(
    private readonly input: SampleFramesInput,
    private readonly probe: VideoProbe,
    private readonly o: SamplingOptions,
    private readonly plan: {
      t0: number;
      poses: TrackPoses;
      times: Float64Array;
      picks: FramePick[];
      counts: PlanCounts;
    },
  ) {
    this.stats = {
      ...plan.counts,
      frames: plan.times.length,
      picks: plan.picks.length,
      decoded: 0,
      pipedPicks: 0,
      pipedFallbacks: 0,
      fallbackRuns: 0,
      kept: 0,
      blurred: 0,
      dark: 0,
      spare: 0,
      inserted: 0,
      resumed: 0,
      decodeWarnings: this.decodeStats.warnings,
    };
    const db = input.db;
    this.writer = new FrameWriter({
      blobs: input.blobs,
      concurrency: o.concurrency,
      jpeg: o.jpeg,
      ...(input.beforeStore ? { beforeStore: input.beforeStore } : {}),
      ...(db
        ? {
            onBatch: async (b: SampledFrame[]) => {
              this.stats.inserted += await insertFrames(db.sql, db.uploadId, b);
            },
          }
        : {}),
      batchFrames: o.batchFrames,
    });
    this.matrix = matrixFor(probe.colorSpace, probe.displayHeight);
    this.state = new Uint8Array(plan.picks.length);
    this.half = 0.4 / probe.fps;
  }

  private at(i: number): number {
    return this.plan.times[i] as number;
  }

  /** The first pass's windows: each pick's own frame alone. */
  pickSpans(): FallbackSpan[] {
    return this.plan.picks.map((p, w) => ({
      pick: w,
      start: this.at(p.first) - this.half,
      end: this.at(p.first) + this.half,
    }));
  }

  /** The fallback pass's windows: the next frames of each pick still without a kept frame. */
  fallbackSpans(): FallbackSpan[] {
    const spans: FallbackSpan[] = [];
    for (const [w, p] of this.plan.picks.entries()) {
      if (this.state[w] === KEPT) continue;
      const from = this.state[w] === UNSEEN ? p.first : p.first + 1;
      if (from <= p.last) spans.push({ pick: w, start: this.at(from) - this.half, end: this.at(p.last) + this.half });
    }
    return spans;
  }

  /** Pipes the frames of `spans` (sorted, disjoint) and hands each to `consider` with the pick it belongs to. */
  async pipe(spans: FallbackSpan[], seekS?: number): Promise<number> {
    let piped = 0;
    let j = 0;
    const frames = decodeFrames({
      probe: this.probe,
      windows: spans.map((s): [number, number] => [s.start, s.end]),
      maxWidth: this.o.maxWidth,
      stats: this.decodeStats,
      ...(seekS !== undefined ? { seekS } : {}),
    });
    for await (const f of frames) {
      piped++;
      while (j < spans.length - 1 && f.ptsS > (spans[j] as FallbackSpan).end) j++;
      await this.consider(f, (spans[j] as FallbackSpan).pick);
    }
    return piped;
  }

  /** Checks one piped frame of pick `w` and queues it for storage if it is the first good one. */
  private async consider(f: RawFrame, w: number): Promise<void> {
    const { stats, state, o } = this;
    if (state[w] === KEPT) {
      stats.spare++;
      return;
    }
    state[w] = FAILED;
    const t = this.plan.t0 + f.ptsS * 1000;
    const pose = this.plan.poses.at(t);
    if (!pose) return;
    const quality = greyQuality(f.data, { width: f.width, height: f.height, limitedRange: true });
    const verdict = qualityVerdict(quality, o);
    if (verdict) {
      stats[verdict === 'dark' ? 'dark' : 'blurred']++;
      return;
    }
    state[w] = KEPT;
    stats.kept++;
    const index = nearest(this.plan.times, f.ptsS);
    if (this.input.stored?.has(o.idxOffset + index)) {
      stats.resumed++;
      return;
    }
    // Converted now: `f.data` is the decoder's buffer, reused for the next frame.
    const rgb = yuv420ToRgb(f.data, f.width, f.height, this.matrix, this.rgbFree.pop());
    const meta = { idx: o.idxOffset + index, t, lat: pose.lat, lon: pose.lon, headingDeg: pose.headingDeg ?? null };
    await this.writer.add(
      {
        ...meta,
        speedMps: pose.speedMps,
        width: f.width,
        height: f.height,
        quality,
        reason: (this.plan.picks[w] as { reason: string }).reason,
        source: index,
      },
      () => rgb,
      (done) => this.rgbFree.push(done),
    );
    this.progressPts = Math.max(this.progressPts, f.ptsS);
    this.input.onProgress?.({ pts: this.progressPts, durationS: this.probe.durationS, kept: stats.kept });
  }

  /** Waits for the last frames to be stored (and their rows committed). */
  finish(): Promise<SampledFrame[]> {
    this.stats.decoded = this.stats.pipedPicks + this.stats.pipedFallbacks;
    return this.writer.finish();
  }
}

/** Samples a video against its track; returns the stored frames (in idx order) and what was dropped why. */
export async function sampleFrames(
  input: SampleFramesInput,
): Promise<{ frames: SampledFrame[]; stats: SampleStats; probe: VideoProbe }> {
  const probe = typeof input.video === 'string' ? await probeVideo(input.video) : input.video;
  const defaults = { maxWidth: 1920, concurrency: 3, idxOffset: 0, batchFrames: 50 };
  const o: SamplingOptions = {
    ...DEFAULT_RULES,
    ...DEFAULT_QUALITY,
    ...defaults,
    ...input.opts,
    jpeg: { ...DEFAULT_JPEG, ...input.opts?.jpeg },
  };
  const t0 = typeof input.align === 'number' ? input.align : input.align.t0Ms;
  const poses = new TrackPoses(input.track);
  const times = await frameTimes(probe);
  const { picks, counts } = planFrames({ times, poseAt: (i) => poses.at(t0 + (times[i] as number) * 1000), rules: o });
  const sampler = new VideoSampler(input, probe, o, { t0, poses, times, picks, counts });
  // First pass: the picked frames alone.
  sampler.stats.pipedPicks = await sampler.pipe(sampler.pickSpans());
  // Fallback pass: the next frames of each pick still without a frame, by seeking (rare on real drives; a drive
  // where every pick fails, e.g. at night, costs about a second decode).
  for (const run of fallbackRuns(sampler.fallbackSpans())) {
    sampler.stats.fallbackRuns++;
    sampler.stats.pipedFallbacks += await sampler.pipe(run.spans, run.seekS);
  }
  const frames = await sampler.finish();
  return { frames, stats: sampler.stats, probe };
}
