/**
 * Limits on the videos a worker decodes, checked from the probe before any decode, and the time ffmpeg/ffprobe may
 * run, so that a hostile or broken video ends in a quarantine reason instead of a worker busy for hours. Each limit
 * can be set by the environment (`MAPMINT_VIDEO_*`) or per call.
 */
import { invalid, MapmintError } from '../../core/index.ts';

/** The video limits. */
export interface VideoLimits {
  /** Longest video, seconds (default 3 h: a dash cam splits drives into files of minutes, a GoPro into 4 GB chapters). */
  maxDurationS: number;
  /** Highest frame rate (default 120: phones and action cameras film at most 120 fps outside slow-motion modes). */
  maxFps: number;
  /** Tallest frame after rotation, pixels (default 4320, 8K). */
  maxHeight: number;
  /** Widest frame after rotation, pixels (default 8192). */
  maxWidth: number;
  /** ffprobe runs, seconds (a probe reads headers, or demuxes without decoding). */
  probeTimeoutS: number;
  /** A decode may take `decodeBaseS + decodePerVideoS * duration` seconds (default 120 s + 4x the video's length). */
  decodeBaseS: number;
  decodePerVideoS: number;
}

const DEFAULTS: Record<keyof VideoLimits, [string, number]> = {
  maxDurationS: ['MAPMINT_VIDEO_MAX_DURATION_S', 3 * 3600],
  maxFps: ['MAPMINT_VIDEO_MAX_FPS', 120],
  maxHeight: ['MAPMINT_VIDEO_MAX_HEIGHT', 4320],
  maxWidth: ['MAPMINT_VIDEO_MAX_WIDTH', 8192],
  probeTimeoutS: ['MAPMINT_VIDEO_PROBE_TIMEOUT_S', 120],
  decodeBaseS: ['MAPMINT_VIDEO_DECODE_BASE_S', 120],
  decodePerVideoS: ['MAPMINT_VIDEO_DECODE_PER_VIDEO_S', 4],
};

/** The limits in force: `over`, else the environment, else the defaults. */
export function videoLimits(over: Partial<VideoLimits> = {}): VideoLimits {
  const out = {} as VideoLimits;
  for (const [k, [env, fallback]] of Object.entries(DEFAULTS) as Array<[keyof VideoLimits, [string, number]]>) {
    const v = Number(process.env[env]);
    out[k] = over[k] ?? (process.env[env] !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback);
  }
  return out;
}

/** What the probe says against the limits: `video_too_long`, `video_fps_too_high` or `video_resolution_too_high`. */
export function checkVideoLimits(
  file: string,
  v: { durationS: number; fps: number; displayWidth: number; displayHeight: number; frameCount: number },
  limits: VideoLimits,
): void {
  if (!(v.durationS <= limits.maxDurationS) || v.frameCount > limits.maxDurationS * limits.maxFps) {
    throw new MapmintError(
      'too_large',
      'video_too_long',
      `${file}: ${Math.round(v.durationS)} s (${v.frameCount} frames) is longer than the ${limits.maxDurationS} s ` +
        'one video may last: set the camera to split recordings into shorter files, or cut the video, and upload again',
      { file, durationS: v.durationS, frameCount: v.frameCount, maxDurationS: limits.maxDurationS },
    );
  }
  if (v.fps > limits.maxFps) {
    throw invalid(
      'video_fps_too_high',
      `${file}: ${v.fps.toFixed(1)} fps is above the ${limits.maxFps} fps accepted: record at 30 or 60 fps ` +
        '(slow-motion modes are not for mapping)',
      { file, fps: v.fps, maxFps: limits.maxFps },
    );
  }
  if (v.displayHeight > limits.maxHeight || v.displayWidth > limits.maxWidth) {
    throw invalid(
      'video_resolution_too_high',
      `${file}: ${v.displayWidth}x${v.displayHeight} is above the ${limits.maxWidth}x${limits.maxHeight} accepted: ` +
        'record at 4K or below',
      { file, width: v.displayWidth, height: v.displayHeight },
    );
  }
}

/** The error of a child process killed at its deadline. */
export function timedOut(file: string, what: 'decode' | 'probe', seconds: number): MapmintError {
  return invalid(
    what === 'decode' ? 'video_decode_timeout' : 'video_probe_timeout',
    `${file}: ${what === 'decode' ? 'decoding' : 'probing'} took longer than ${Math.round(seconds)} s and was stopped: ` +
      'the video is probably damaged; re-export it from the camera app (or record it again) and upload again',
    { file, seconds },
  );
}
