/**
 * Presentation times of every frame, before decoding: for constant frame rate `videoStart + i / fps`; for variable
 * frame rate (r_frame_rate != avg_frame_rate) the sorted packet timestamps from ffprobe, a demux pass that decodes
 * nothing. fluent-ffmpeg's ffprobe wrapper cannot list packets, so ffprobe is spawned here (argument array).
 */
import { spawn } from 'node:child_process';
import { invalid } from '../../core/index.ts';
import { FFPROBE_PATH } from './ffmpeg-binaries.ts';
import type { VideoProbe } from './probe-video.ts';

/** Frame presentation times in seconds on ffmpeg's timeline (file start = 0), ascending. */
export async function frameTimes(probe: VideoProbe): Promise<Float64Array> {
  if (!probe.vfr) {
    const out = new Float64Array(probe.frameCount);
    for (let i = 0; i < out.length; i++) out[i] = probe.videoStartS + i / probe.fps;
    return out;
  }
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time',
    '-of',
    'csv=p=0',
    probe.path,
  ];
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(FFPROBE_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('latin1'))
        : reject(
            invalid(
              'video_corrupt',
              `${probe.path}: ffprobe packet listing failed: ${Buffer.concat(err).toString().trim().slice(-400)}`,
            ),
          ),
    );
  });
  // ffprobe prints container times; ffmpeg's output timeline starts at the format start time.
  const ts = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l) - probe.formatStartS)
    .filter((t) => Number.isFinite(t) && t >= -1e-6);
  return Float64Array.from(ts).sort();
}
