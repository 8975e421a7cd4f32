/**
 * Presentation times of every frame, before decoding: for constant frame rate `videoStart + i / fps`; for variable
 * frame rate (r_frame_rate != avg_frame_rate) the sorted packet timestamps from ffprobe, a demux pass that decodes
 * nothing, with the probe deadline.
 */
import { invalid } from '../../core/index.ts';
import { FFPROBE_PATH, runTool, ToolTimeout } from './ffmpeg-binaries.ts';
import { timedOut, videoLimits } from './limits.ts';
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
  const limits = videoLimits();
  let text: string;
  try {
    text = await runTool(FFPROBE_PATH, args, { timeoutMs: limits.probeTimeoutS * 1000 });
  } catch (e) {
    if (e instanceof ToolTimeout) throw timedOut(probe.path, 'probe', limits.probeTimeoutS);
    const said = (e instanceof Error ? e.message : String(e)).trim();
    throw invalid('video_corrupt', `${probe.path}: ffprobe packet listing failed: ${said.slice(-400)}`);
  }
  // ffprobe prints container times; ffmpeg's output timeline starts at the format start time.
  const ts = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l) - probe.formatStartS)
    .filter((t) => Number.isFinite(t) && t >= -1e-6);
  return Float64Array.from(ts).sort();
}
