/**
 * Video facts from ffprobe: duration, frame rate, size, codec, creation time, rotation, frame count and the data
 * streams that may carry telemetry (GoPro GPMF `gpmd`, Google CAMM `camm`). Corrupt or non-video input is a typed
 * `invalid_input` error carrying what ffprobe said.
 */
import { open, stat } from 'node:fs/promises';
import type ffmpeg from 'fluent-ffmpeg';
import { invalid } from '../../core/index.ts';
import { ffprobeData, ToolTimeout } from './ffmpeg-binaries.ts';
import { checkVideoLimits, timedOut, type VideoLimits, videoLimits } from './limits.ts';

/** A data (non audio/video) stream: telemetry candidates. */
export interface DataStream {
  index: number;
  /** Sample-entry FourCC (`gpmd`, `camm`, `tmcd`...). */
  codecTag: string;
  handler: string;
  /** Media time of the stream's first sample, seconds (same clock as the video's frames). */
  startS: number;
}

/** What {@link probeVideo} found. */
export interface VideoProbe {
  path: string;
  sizeBytes: number;
  durationS: number;
  /** Frames per second: `avg_frame_rate` when valid, else `r_frame_rate`. */
  fps: number;
  rFrameRate: string;
  avgFrameRate: string;
  /** True when r_frame_rate and avg_frame_rate disagree (variable frame rate). */
  vfr: boolean;
  /** Coded size. */
  width: number;
  height: number;
  /** Size after applying the rotation (what ffmpeg outputs, since it auto-rotates). */
  displayWidth: number;
  displayHeight: number;
  codec: string;
  pixFmt: string | undefined;
  colorSpace: string | undefined;
  /** Clockwise rotation to apply for display, degrees: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  /** `creation_time` (format tag, else video stream tag) as Unix ms; undefined when absent or the 1904/1970 zero. */
  creationTime: number | undefined;
  frameCount: number;
  frameCountSource: 'nb_frames' | 'packets' | 'duration';
  /** Video stream start relative to the file start (what ffmpeg's timestamps are shifted by), seconds. */
  videoStartS: number;
  /** The container's start time, seconds (ffmpeg subtracts it from every timestamp). */
  formatStartS: number;
  dataStreams: DataStream[];
}

const rate = (r: string | undefined): number => {
  const m = /^(\d+)\/(\d+)$/.exec(r ?? '');
  return m && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : Number.NaN;
};

const number = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

function creationTime(...tags: Array<Record<string, unknown> | undefined>): number | undefined {
  for (const t of tags) {
    const v = t?.['creation_time'];
    const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    // MP4 writers that leave the field zero produce 1904-01-01 or 1970-01-01: no information.
    if (Number.isFinite(ms) && ms > Date.UTC(1971, 0, 1)) return ms;
  }
  return undefined;
}

/** Clockwise display rotation from the display-matrix side data (counter-clockwise degrees) or a `rotate` tag. */
function rotationOf(stream: ffmpeg.FfprobeStream): 0 | 90 | 180 | 270 {
  // fluent-ffmpeg flattens [SIDE_DATA] keys into the stream: `rotation` is the display matrix angle (CCW).
  const side = number((stream as Record<string, unknown>)['rotation']);
  const tag = number(stream.tags?.['rotate']);
  const cw = side !== undefined ? -side : (tag ?? 0);
  const r = (((Math.round(cw / 90) * 90) % 360) + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

/** Throws `video_truncated` when the top-level `mdat` box runs past the end of the file (an interrupted copy). */
async function checkMp4Boxes(file: string, size: number): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    let at = 0;
    for (let n = 0; at + 8 <= size && n < 10_000; n++) {
      await fh.read(head, 0, 16, at);
      const type = head.toString('latin1', 4, 8);
      if (n === 0 && type !== 'ftyp') return; // not ISO-BMFF (MKV, TS, AVI): ffprobe's verdict stands
      let len = head.readUInt32BE(0);
      if (len === 1) len = Number(head.readBigUInt64BE(8));
      else if (len === 0) len = size - at;
      if (len < 8) return;
      if (at + len > size) {
        throw invalid(
          'video_corrupt',
          `${file}: the '${type}' box at byte ${at} needs ${len} bytes, the file ends ${size - at} bytes later (truncated upload?)`,
          { file, box: type, offset: at, boxSize: len, fileSize: size },
        );
      }
      at += len;
    }
  } finally {
    await fh.close();
  }
}

/** ffprobe's verdict on a file, or `video_corrupt` / `video_probe_timeout` with what it said. */
async function runProbe(file: string, extra: string[], limits: VideoLimits): Promise<ffmpeg.FfprobeData> {
  try {
    return await ffprobeData(file, extra, limits.probeTimeoutS * 1000);
  } catch (e) {
    if (e instanceof ToolTimeout) throw timedOut(file, 'probe', limits.probeTimeoutS);
    const said = (e instanceof Error ? e.message : String(e)).replace(/^ffprobe exited with code \d+\s*/, '').trim();
    throw invalid('video_corrupt', `${file}: ffprobe cannot read it: ${said.slice(-400) || 'no output'}`, {
      file,
      ffprobe: said.slice(-2000),
    });
  }
}

/** The video stream (not cover art), or `video_no_stream` for audio, stills and other non-videos. */
function videoStream(file: string, data: ffmpeg.FfprobeData): ffmpeg.FfprobeStream & { width: number; height: number } {
  const video = data.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  // A still image (JPEG, PNG) demuxes as a one-frame "video" through image2 / *_pipe: not a video upload.
  const still = /(^|,)image2($|,)|_pipe($|,)/.test(data.format.format_name ?? '');
  if (!video?.width || !video.height || still) {
    const found = data.streams.map((s) => `${s.codec_type}/${s.codec_name}`).join(', ') || 'none';
    throw invalid(
      'video_no_stream',
      `${file}: no video stream (streams: ${found}; format ${data.format.format_name ?? '?'})`,
      { file, streams: found },
    );
  }
  return video as ffmpeg.FfprobeStream & { width: number; height: number };
}

/** Frames of the stream: nb_frames, else a packet count (a demux pass, no decode), else duration x fps. */
async function countFrames(
  file: string,
  video: ffmpeg.FfprobeStream,
  rateOf: { durationS: number; fps: number },
  limits: VideoLimits,
): Promise<{ frameCount: number; frameCountSource: VideoProbe['frameCountSource'] }> {
  const n = number(video.nb_frames);
  if (n) return { frameCount: n, frameCountSource: 'nb_frames' };
  // Containers without a sample table (MKV, TS): count packets.
  const counted = await runProbe(file, ['-count_packets', '-select_streams', String(video.index)], limits).catch(
    () => undefined,
  );
  const packets = number((counted?.streams[0] as Record<string, unknown> | undefined)?.['nb_read_packets']);
  if (packets) return { frameCount: packets, frameCountSource: 'packets' };
  return { frameCount: Math.round(rateOf.durationS * rateOf.fps), frameCountSource: 'duration' };
}

/**
 * Probes a video with ffprobe; throws `video_corrupt` / `video_no_stream` (kind invalid_input) with ffprobe's words,
 * and `video_too_long` / `video_fps_too_high` / `video_resolution_too_high` past the limits (`over`, else
 * `videoLimits()`), before anything is decoded.
 */
export async function probeVideo(file: string, over: Partial<VideoLimits> = {}): Promise<VideoProbe> {
  const limits = videoLimits(over);
  const { size } = await stat(file);
  const data = await runProbe(file, [], limits);
  const video = videoStream(file, data);
  await checkMp4Boxes(file, size);
  const r = rate(video.r_frame_rate);
  const avg = rate(video.avg_frame_rate);
  const fps = Number.isFinite(avg) && avg > 0 ? avg : r;
  if (!(fps > 0))
    throw invalid(
      'video_corrupt',
      `${file}: no usable frame rate (r=${video.r_frame_rate}, avg=${video.avg_frame_rate})`,
      { file },
    );
  const durationS = number(video.duration) ?? number(data.format.duration) ?? Number.NaN;
  const rotation = rotationOf(video);
  const swap = rotation === 90 || rotation === 270;
  const [displayWidth, displayHeight] = swap ? [video.height, video.width] : [video.width, video.height];
  const facts = { durationS, fps, displayWidth, displayHeight, frameCount: number(video.nb_frames) ?? 0 };
  checkVideoLimits(file, facts, limits);
  const { frameCount, frameCountSource } = await countFrames(file, video, { durationS, fps }, limits);
  checkVideoLimits(file, { ...facts, frameCount }, limits);
  const formatStart = number(data.format.start_time) ?? 0;
  const videoStart = number(video.start_time) ?? formatStart;
  return {
    path: file,
    sizeBytes: size,
    durationS,
    fps,
    rFrameRate: video.r_frame_rate ?? '',
    avgFrameRate: video.avg_frame_rate ?? '',
    vfr: Number.isFinite(r) && Number.isFinite(avg) && Math.abs(r - avg) > 1e-3 * r,
    width: video.width,
    height: video.height,
    displayWidth,
    displayHeight,
    codec: video.codec_name ?? 'unknown',
    pixFmt: video.pix_fmt,
    colorSpace:
      typeof video.color_space === 'string' && video.color_space !== 'unknown' ? video.color_space : undefined,
    rotation,
    creationTime: creationTime(data.format.tags as Record<string, unknown> | undefined, video.tags),
    frameCount,
    frameCountSource,
    videoStartS: videoStart - formatStart,
    formatStartS: formatStart,
    dataStreams: data.streams
      .filter((s) => s.codec_type === 'data')
      .map((s) => ({
        index: s.index,
        codecTag: String(s.codec_tag_string ?? ''),
        handler: String(s.tags?.['handler_name'] ?? ''),
        startS: (number(s.start_time) ?? formatStart) - formatStart,
      })),
  };
}
