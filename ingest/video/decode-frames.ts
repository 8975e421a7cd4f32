/**
 * Decodes a video once with the system ffmpeg into a raw yuv420p pipe and yields frames one by one with their
 * presentation time. Only the time windows asked for are converted and piped (ffmpeg's `select` filter runs after
 * the decoder, so every frame is still decoded and timed); the rest never leave ffmpeg. yuv420p is what H.264/HEVC
 * decoders output, so no colour conversion happens in ffmpeg: 1.5 bytes per pixel through the pipe instead of 3 for
 * rgb24, and the Y plane is the grey image the quality check needs. Times come from `showinfo` (each frame's pts),
 * right for variable frame rate too.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PassThrough } from 'node:stream';
import { invalid, MapmintError } from '../../core/errors.ts';
import type { VideoProbe } from './probe-video.ts';
import { ffmpegCommand } from './tools.ts';

/** One decoded frame: planar yuv420p (Y, then U, then V, chroma planes ceil(w/2) x ceil(h/2)). */
export interface RawFrame {
  /** Index among the frames yielded. */
  n: number;
  /** Presentation time, seconds from the file start (ffmpeg's shifted timeline). */
  ptsS: number;
  width: number;
  height: number;
  data: Buffer;
}

/** Options of {@link decodeFrames}. */
export interface DecodeOptions {
  probe: VideoProbe;
  /** Sorted, non-overlapping [start, end] media-time windows (seconds) to output; default every frame. */
  windows?: Array<[number, number]>;
  /** Frames wider than this are scaled down (aspect kept) in ffmpeg; default 1920. */
  maxWidth?: number;
  /** Filled while decoding: frames yielded and ffmpeg's complaints. */
  stats?: DecodeStats;
}

/** What the decoder saw. */
export interface DecodeStats {
  yielded: number;
  /** ffmpeg stderr lines that are not frame info (decode errors of a damaged file show up here). */
  warnings: string[];
}

/** Output size for a probe and a maximum width (even dimensions, as yuv420p needs). */
export function outputSize(probe: VideoProbe, maxWidth = 1920): { width: number; height: number; scaled: boolean } {
  const w = probe.displayWidth;
  const h = probe.displayHeight;
  if (w <= maxWidth) return { width: w, height: h, scaled: false };
  const width = maxWidth - (maxWidth % 2);
  return { width, height: Math.max(2, Math.round((h * width) / w / 2) * 2), scaled: true };
}

/** A select expression over time windows as a balanced if-tree: O(log n) per frame however many windows. */
export function selectExpression(windows: Array<[number, number]>): string {
  const f = (x: number): string => x.toFixed(6);
  const build = (lo: number, hi: number): string => {
    if (hi - lo <= 4) {
      const leaves = windows.slice(lo, hi).map(([a, b]) => `between(t,${f(a)},${f(b)})`);
      return leaves.length > 0 ? leaves.join('+') : '0';
    }
    const mid = (lo + hi) >> 1;
    return `if(lt(t,${f((windows[mid] as [number, number])[0])}),${build(lo, mid)},${build(mid, hi)})`;
  };
  return build(0, windows.length);
}

const SHOWINFO = /Parsed_showinfo.*\bn:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:\s*(-?[0-9.eE+-]+)/;

/** Yields decoded frames in presentation order; the ffmpeg process is killed if the consumer stops early. */
export async function* decodeFrames(opts: DecodeOptions): AsyncGenerator<RawFrame> {
  const { probe } = opts;
  const stats = opts.stats ?? { yielded: 0, warnings: [] };
  const { width, height, scaled } = outputSize(probe, opts.maxWidth);
  const filters: string[] = [];
  if (opts.windows) filters.push(`select='${selectExpression(opts.windows)}'`);
  if (scaled) filters.push(`scale=${width}:${height}`);
  filters.push('showinfo=checksum=0');
  const script = path.join(tmpdir(), `mapmint-vf-${randomBytes(6).toString('hex')}.txt`);
  // A script file keeps long select expressions (thousands of windows on an hour of video) off the command line.
  await writeFile(script, filters.join(','));

  const times: number[] = [];
  let waiting: (() => void) | undefined;
  let finished: { error?: Error } | undefined;
  const wake = (): void => {
    waiting?.();
    waiting = undefined;
  };
  const cmd = ffmpegCommand(probe.path)
    .inputOptions(['-hide_banner', '-nostats', '-loglevel', 'info'])
    .outputOptions([
      ...['-map', '0:v:0', '-an', '-sn', '-dn'],
      ...['-filter_script:v', script],
      // One output frame per filtered frame: no duplication to a constant rate.
      ...['-fps_mode', 'passthrough', '-pix_fmt', 'yuv420p', '-f', 'rawvideo'],
    ])
    .on('stderr', (line: string) => {
      const m = SHOWINFO.exec(line);
      if (m) {
        times[Number(m[1])] = Number(m[2]);
        wake();
      } else if (/error|invalid|corrupt|missing|truncat/i.test(line) && stats.warnings.length < 50) {
        stats.warnings.push(line.trim());
      }
    })
    .on('error', (e: Error) => {
      finished = { error: e };
      wake();
    })
    .on('end', () => {
      finished = {};
      wake();
    });
  const out = cmd.pipe() as PassThrough;
  const frameBytes = width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let n = 0;
  const timeOf = async (k: number): Promise<number> => {
    while (times[k] === undefined && !finished) await new Promise<void>((r) => (waiting = r));
    const t = times[k];
    if (t === undefined)
      throw new MapmintError('internal', 'decode_no_timestamp', `${probe.path}: no pts for output frame ${k}`);
    return t;
  };
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(chunk.length - at, frameBytes - filled);
        chunk.copy(frame, filled, at, at + take);
        filled += take;
        at += take;
        if (filled === frameBytes) {
          const ptsS = await timeOf(n);
          stats.yielded++;
          yield { n, ptsS, width, height, data: frame };
          n++;
          frame = Buffer.allocUnsafe(frameBytes);
          filled = 0;
        }
      }
    }
    while (!finished) await new Promise<void>((r) => (waiting = r));
    if (finished.error) {
      const said = [...stats.warnings.slice(-5), finished.error.message].join(' | ');
      throw invalid('video_corrupt', `${probe.path}: ffmpeg could not decode it: ${said.slice(-600)}`, {
        file: probe.path,
        ffmpeg: said,
      });
    }
  } finally {
    if (!finished) {
      cmd.kill('SIGKILL');
    }
    await rm(script, { force: true });
  }
}
