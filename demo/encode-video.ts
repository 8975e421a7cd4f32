import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { MapmintError } from '../core/index.ts';
import { toolError } from './run-tool.ts';

/** How to encode a stream of raw RGBA frames into an H.264 MP4. */
export interface EncodeOptions {
  output: string;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** MP4 `creation_time`, ISO 8601 UTC: the time of the first frame, so video time lines up with GPS time. */
  creationTime: string;
  /** Renders frame i as packed RGBA (width x height x 4 bytes; alpha ignored). */
  renderFrame: (index: number) => Promise<Buffer>;
  /** Frames rendered at once; default 2 (one per core on the reference machine). */
  concurrency?: number;
  /** The ffmpeg binary; default `ffmpeg` from PATH. */
  ffmpeg?: string;
  /** Called after each frame is handed to the encoder. */
  onFrame?: (index: number) => void;
  /** Strength of temporal noise (ffmpeg `noise` filter, 0-100); default 0, none. */
  grain?: number;
  /** Seed of the noise; default 0. */
  seed?: number;
  /** Average and maximum bitrate, Mbit/s (2 s buffer); default constant quality (crf 20). */
  bitrateMbps?: number;
  /** Frames between keyframes; default x264's. */
  keyframeInterval?: number;
}

/** The ffmpeg output options for the encoder settings: noise filter, rate control, keyframe interval. */
export function encoderArgs(
  opts: Pick<EncodeOptions, 'grain' | 'seed' | 'bitrateMbps' | 'keyframeInterval'>,
): string[] {
  const args: string[] = [];
  if (opts.grain) {
    // On the yuv420p planes, as a sensor's noise survives the camera's own processing; `t`: new noise each frame.
    const seed = (opts.seed ?? 0) % 2147483647;
    args.push('-vf', `format=yuv420p,noise=alls=${opts.grain}:allf=t:all_seed=${seed}`);
  }
  if (opts.bitrateMbps) {
    const kbps = Math.round(opts.bitrateMbps * 1000);
    args.push('-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${2 * kbps}k`);
  } else args.push('-crf', '20');
  if (opts.keyframeInterval) {
    const g = String(Math.max(1, Math.round(opts.keyframeInterval)));
    args.push('-g', g, '-keyint_min', g);
  }
  return args;
}

/**
 * Pipes rendered frames into the system ffmpeg (libx264, yuv420p, preset veryfast; optionally with sensor noise, a
 * dashcam-like bitrate and keyframe interval) in order. At most `concurrency` frames are in flight and the pipe's
 * back-pressure is honoured, so memory stays bounded whatever the length.
 */
export async function encodeVideo(opts: EncodeOptions): Promise<{ frames: number; seconds: number }> {
  const bin = opts.ffmpeg ?? 'ffmpeg';
  const args = ffmpegArgs(opts);
  const ff = startFfmpeg(bin, args);
  const started = performance.now();
  await pipeFrames(opts, ff);
  ff.child.stdin.end();
  const code = await ff.exited;
  if (ff.spawnError) throw ff.spawnError;
  if (code !== 0) {
    const msg = Buffer.concat(ff.stderr).toString('utf8').trim().slice(-800);
    throw new MapmintError(
      'internal',
      'ffmpeg_failed',
      `ffmpeg exited with code ${code} writing ${opts.output}: ${msg}`,
      { args },
    );
  }
  return { frames: opts.frameCount, seconds: (performance.now() - started) / 1000 };
}

/** The whole ffmpeg command line: raw RGBA frames on stdin, H.264 MP4 out. */
function ffmpegArgs(opts: EncodeOptions): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgba',
    '-s',
    `${opts.width}x${opts.height}`,
    '-framerate',
    String(opts.fps),
    '-i',
    'pipe:0',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    ...encoderArgs(opts),
    '-threads',
    '2',
    '-movflags',
    '+faststart',
    '-metadata',
    `creation_time=${opts.creationTime}`,
    opts.output,
  ];
}

/** A running ffmpeg: its stderr so far, its exit (null when it could not start) and the start error, if any. */
interface Ffmpeg {
  child: ChildProcessByStdio<Writable, null, Readable>;
  stderr: Buffer[];
  exited: Promise<number | null>;
  spawnError: MapmintError | undefined;
}

function startFfmpeg(bin: string, args: string[]): Ffmpeg {
  const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const ff: Ffmpeg = { child, stderr: [], exited: Promise.resolve(null), spawnError: undefined };
  child.stderr.on('data', (b: Buffer) => ff.stderr.push(b));
  ff.exited = new Promise<number | null>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      ff.spawnError = toolError(bin, e);
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  // A write after ffmpeg died raises EPIPE on stdin; the exit code says what actually went wrong.
  child.stdin.on('error', () => {});
  return ff;
}

/** Renders frames (at most `concurrency` in flight) and writes them in order, honouring the pipe's back-pressure. */
async function pipeFrames(opts: EncodeOptions, ff: Ffmpeg): Promise<void> {
  const { child } = ff;
  const frameBytes = opts.width * opts.height * 4;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const inFlight: Array<Promise<Buffer>> = [];
  let next = 0;
  try {
    while (next < opts.frameCount && inFlight.length < concurrency) inFlight.push(opts.renderFrame(next++));
    for (let i = 0; i < opts.frameCount; i++) {
      const frame = await (inFlight.shift() as Promise<Buffer>);
      if (next < opts.frameCount) inFlight.push(opts.renderFrame(next++));
      if (frame.length !== frameBytes) {
        throw new MapmintError(
          'internal',
          'frame_size',
          `frame ${i} has ${frame.length} bytes, expected ${frameBytes}`,
        );
      }
      if (ff.spawnError || child.stdin.destroyed) break;
      if (!child.stdin.write(frame)) await Promise.race([once(child.stdin, 'drain'), ff.exited]);
      opts.onFrame?.(i);
    }
  } catch (e) {
    child.kill('SIGKILL');
    await Promise.allSettled(inFlight);
    throw e;
  }
}
