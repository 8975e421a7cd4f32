/**
 * Decodes a video with the system ffmpeg into a raw yuv420p pipe and yields frames one by one with their
 * presentation time. Only the time windows asked for are piped (ffmpeg's `select` filter runs after the decoder, so
 * every frame is still decoded and timed); the rest never leave ffmpeg, and reading stops after the last window.
 * With `seekS`, ffmpeg starts at the keyframe before that time instead of the file start (an accurate input seek:
 * frames before `seekS` are decoded for reference, then dropped), which is how a few scattered windows are fetched
 * again without decoding the whole file. yuv420p is what H.264/HEVC decoders output, so no colour conversion happens
 * in ffmpeg: 1.5 bytes per pixel through the pipe instead of 3 for rgb24, and the Y plane is the grey image the
 * quality check needs. Times come from `showinfo` (each frame's pts in the stream's time base), right for variable
 * frame rate too.
 *
 * The pipe is read straight into a few reused frame buffers (a FIFO read through `net.Socket`'s `onread`, each read
 * asking for exactly the rest of the current frame): no per-chunk allocation and no copy in JS. A plain stdout pipe
 * through a stream cost ~1.4 s of CPU for 870 MB (279 frames of 1080p), this ~0.65 s (mostly the kernel's own copy);
 * see README.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { invalid, MapmintError } from '../../core/index.ts';
import { FFMPEG_PATH } from './ffmpeg-binaries.ts';
import { timedOut, videoLimits } from './limits.ts';
import type { VideoProbe } from './probe-video.ts';

/**
 * One decoded frame: planar yuv420p (Y, then U, then V, chroma planes ceil(w/2) x ceil(h/2)). `data` is a reused
 * buffer, valid until the consumer asks for the next frame: copy (or convert) what must outlive the iteration.
 */
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
  /**
   * Start here (seconds on the file timeline, at or before the first window): ffmpeg seeks to the keyframe before it
   * and drops the frames before it. Yielded times stay on the file timeline. Default 0.
   */
  seekS?: number;
  /** Filled while decoding: frames yielded and ffmpeg's complaints. */
  stats?: DecodeStats;
  /**
   * Skip the H.264/HEVC in-loop deblocking filter (`-skip_loop_filter all`): ~15 % less decode work for a copy that
   * is only measured (motion), never shown or stored. Default false.
   */
  skipLoopFilter?: boolean;
  /**
   * ffmpeg is killed after `baseS + perVideoS * seconds of video asked for` (`video_decode_timeout`); default from
   * `videoLimits()` (120 s + 4x).
   */
  timeout?: { baseS: number; perVideoS: number };
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

const SHOWINFO = /Parsed_showinfo.*\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[0-9.eE+-]+)/;
/** The filter's time base, printed once before the frames: exact times from the integer pts (pts_time has 6 digits). */
const TIME_BASE = /Parsed_showinfo.*config in time_base:\s*(\d+)\/(\d+)/;

/** Frame buffers in the ring: one being filled, one lent to the consumer, two ready or free for slack. */
const RING = 4;

/** A FIFO in `dir`: its read end non-blocking (for libuv), its write end a plain blocking fd to hand to ffmpeg. */
async function openFifo(dir: string): Promise<{ readFd: number; writeFd: number }> {
  const fifo = path.join(dir, 'frames.fifo');
  await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  // With a reader already open, a blocking open for writing returns at once.
  const writeFd = openSync(fifo, constants.O_WRONLY);
  return { readFd, writeFd };
}

/** One waiter woken by whichever event comes next (a frame read, a timestamp parsed, ffmpeg gone). */
class Wakeup {
  private waiting: (() => void) | undefined;
  wake(): void {
    this.waiting?.();
    this.waiting = undefined;
  }
  sleep(): Promise<void> {
    return new Promise<void>((r) => (this.waiting = r));
  }
}

/** ffmpeg's input options and filter chain for the windows asked for. */
function decodeArgs(opts: DecodeOptions, size: { width: number; height: number; scaled: boolean }) {
  const { probe, windows } = opts;
  const seekS = Math.max(0, opts.seekS ?? 0);
  // Input options: the stream's own timestamps (`-copyts`: ffmpeg would otherwise shift them to start at the seek
  // point, rounded to the stream's time base), where to start, and how long to read (to the end of the last window:
  // nothing after it is wanted). The file timeline is the stream's time minus the container's start time.
  const offset = probe.formatStartS;
  const input: string[] = ['-copyts'];
  if (opts.skipLoopFilter) input.push('-skip_loop_filter', 'all');
  if (seekS > 0) input.push('-ss', seekS.toFixed(6));
  const lastEnd = windows?.[windows.length - 1]?.[1];
  if (lastEnd !== undefined) input.push('-t', Math.max(0, lastEnd - seekS + 1e-3).toFixed(6));
  const filters: string[] = [];
  if (windows)
    filters.push(`select='${selectExpression(windows.map(([a, b]): [number, number] => [a + offset, b + offset]))}'`);
  if (size.scaled) filters.push(`scale=${size.width}:${size.height}`);
  filters.push('showinfo=checksum=0');
  return { input, filters };
}

/**
 * The read side of the FIFO: the socket reads straight into a ring of frame buffers and pauses when none is free.
 * Invariant: `current` always exists; the socket pauses when the last free buffer becomes `current`, so a completed
 * frame never has to wait for a buffer inside the read callback.
 */
class FrameRing {
  readonly ready: Buffer[] = [];
  ended = false;
  private readonly free: Buffer[];
  private readonly socket: Socket;
  private current: Buffer;
  private filled = 0;
  private paused = false;

  constructor(readFd: number, frameBytes: number, wakeup: Wakeup) {
    this.free = Array.from({ length: RING }, () => Buffer.allocUnsafe(frameBytes));
    this.current = this.free.pop() as Buffer;
    this.socket = new Socket({
      fd: readFd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => this.current.subarray(this.filled),
        callback: (nread: number): boolean => {
          this.filled += nread;
          if (this.filled < frameBytes) return true;
          this.ready.push(this.current);
          this.current = this.free.pop() as Buffer;
          this.filled = 0;
          wakeup.wake();
          this.paused = this.free.length === 0;
          return !this.paused;
        },
      },
    });
    const onEnd = (): void => {
      this.ended = true;
      wakeup.wake();
    };
    this.socket.on('end', onEnd).on('close', onEnd).on('error', onEnd);
  }

  /** The consumer is done with `data`: back into the ring, and reading resumes if it waited for a buffer. */
  release(data: Buffer): void {
    this.free.push(data);
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A running ffmpeg: frame times parsed from `showinfo`, its last words, and how it ended. */
interface FfmpegRun {
  child: ReturnType<typeof spawn>;
  times: number[];
  tail: string[];
  exited: { error?: string; timedOutS?: number } | undefined;
}

/**
 * Starts ffmpeg writing raw frames to `writeFd` and parses its stderr (frame times, warnings) as it runs; it is killed
 * after `timeoutS`.
 */
function startFfmpeg(
  args: string[],
  writeFd: number,
  ctx: { offset: number; stats: DecodeStats; wakeup: Wakeup; timeoutS: number },
): FfmpegRun {
  const { offset, stats, wakeup } = ctx;
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(FFMPEG_PATH, args, { stdio: ['ignore', writeFd, 'pipe'] });
  } finally {
    // ffmpeg holds its own copy; ours would keep the FIFO open and hide the end of file.
    closeSync(writeFd);
  }
  const run: FfmpegRun = { child, times: [], tail: [], exited: undefined };
  const timer = setTimeout(() => {
    run.exited ??= { error: `killed after ${ctx.timeoutS} s`, timedOutS: ctx.timeoutS };
    child.kill('SIGKILL');
    wakeup.wake();
  }, ctx.timeoutS * 1000);
  let partial = '';
  let timeBase: number | undefined;
  const onLine = (line: string): void => {
    const m = SHOWINFO.exec(line);
    if (m) {
      run.times[Number(m[1])] = (timeBase !== undefined ? Number(m[2]) * timeBase : Number(m[3])) - offset;
      wakeup.wake();
      return;
    }
    const tb = TIME_BASE.exec(line);
    if (tb) {
      if (Number(tb[2]) > 0) timeBase = Number(tb[1]) / Number(tb[2]);
      return;
    }
    if (line.trim()) run.tail.push(line.trim());
    if (run.tail.length > 20) run.tail.shift();
    if (/error|invalid|corrupt|missing|truncat/i.test(line) && stats.warnings.length < 50)
      stats.warnings.push(line.trim());
  };
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split(/\r\n|\r|\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.on('error', (e: Error) => {
    clearTimeout(timer);
    run.exited ??= { error: e.message };
    wakeup.wake();
  });
  child.on('close', (code: number | null, signal: string | null) => {
    clearTimeout(timer);
    if (partial) onLine(partial);
    run.exited ??= code === 0 ? {} : { error: `ffmpeg exited with ${signal ? `signal ${signal}` : `code ${code}`}` };
    wakeup.wake();
  });
  return run;
}

/** Yields the frames of the ring in order, each with its time once ffmpeg has printed it. */
async function* pumpFrames(
  ring: FrameRing,
  run: FfmpegRun,
  size: { width: number; height: number },
  ctx: { path: string; stats: DecodeStats; wakeup: Wakeup },
): AsyncGenerator<RawFrame> {
  const timeOf = async (k: number): Promise<number> => {
    while (run.times[k] === undefined && !run.exited) await ctx.wakeup.sleep();
    const t = run.times[k];
    if (t === undefined && run.exited?.timedOutS !== undefined)
      throw timedOut(ctx.path, 'decode', run.exited.timedOutS);
    if (t === undefined)
      throw new MapmintError('internal', 'decode_no_timestamp', `${ctx.path}: no pts for output frame ${k}`);
    return t;
  };
  for (let n = 0; ; ) {
    const data = ring.ready.shift();
    if (!data) {
      if (ring.ended) break;
      await ctx.wakeup.sleep();
      continue;
    }
    const ptsS = await timeOf(n);
    ctx.stats.yielded++;
    yield { n, ptsS, width: size.width, height: size.height, data };
    n++;
    ring.release(data);
  }
}

/** Waits for ffmpeg to exit; a failed run is `video_corrupt` with its last words. */
async function checkExit(run: FfmpegRun, file: string, wakeup: Wakeup): Promise<void> {
  while (!run.exited) await wakeup.sleep();
  if (run.exited.timedOutS !== undefined) throw timedOut(file, 'decode', run.exited.timedOutS);
  if (!run.exited.error) return;
  const said = [...run.tail.slice(-5), run.exited.error].join(' | ');
  throw invalid('video_corrupt', `${file}: ffmpeg could not decode it: ${said.slice(-600)}`, {
    file,
    ffmpeg: said,
  });
}

/** The decode's deadline: a base plus a multiple of the seconds of video asked for (from the seek to the last window). */
function decodeTimeoutS(opts: DecodeOptions): number {
  const limits = videoLimits();
  const t = opts.timeout ?? { baseS: limits.decodeBaseS, perVideoS: limits.decodePerVideoS };
  const end = opts.windows?.[opts.windows.length - 1]?.[1] ?? opts.probe.durationS;
  const seconds = Math.max(0, (Number.isFinite(end) ? end : 0) - Math.max(0, opts.seekS ?? 0));
  return t.baseS + t.perVideoS * seconds;
}

/** Yields decoded frames in presentation order; the ffmpeg process is killed if the consumer stops early. */
export async function* decodeFrames(opts: DecodeOptions): AsyncGenerator<RawFrame> {
  const { probe } = opts;
  const stats = opts.stats ?? { yielded: 0, warnings: [] };
  if (opts.windows?.length === 0) return;
  const size = outputSize(probe, opts.maxWidth);
  const { input, filters } = decodeArgs(opts, size);
  const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-decode-'));
  const wakeup = new Wakeup();
  let ring: FrameRing | undefined;
  let run: FfmpegRun | undefined;
  try {
    // A script file keeps long select expressions (thousands of windows on an hour of video) off the command line.
    const script = path.join(dir, 'filters.txt');
    await writeFile(script, filters.join(','));
    const { readFd, writeFd } = await openFifo(dir);
    const { width, height } = size;
    ring = new FrameRing(readFd, width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2), wakeup);
    const args = [
      ...['-hide_banner', '-nostats', '-loglevel', 'info', ...input, '-i', probe.path],
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-filter_script:v', script],
      // One output frame per filtered frame: no duplication to a constant rate.
      ...['-fps_mode', 'passthrough', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'],
    ];
    run = startFfmpeg(args, writeFd, { offset: probe.formatStartS, stats, wakeup, timeoutS: decodeTimeoutS(opts) });
    yield* pumpFrames(ring, run, size, { path: probe.path, stats, wakeup });
    await checkExit(run, probe.path, wakeup);
  } finally {
    if (run && !run.exited) run.child.kill('SIGKILL');
    ring?.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
