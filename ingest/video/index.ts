/** Video ingest: probe a video, place it in time against its track, decode its frames once through a raw pipe. */
export {
  type AlignInput,
  type Alignment,
  type AlignmentSource,
  alignVideoToTrack,
  localToUtcMs,
  type MotionAlignment,
} from './align-video.ts';
export {
  type DecodeOptions,
  type DecodeStats,
  decodeFrames,
  outputSize,
  type RawFrame,
  selectExpression,
} from './decode-frames.ts';
export { FFMPEG_PATH, FFPROBE_PATH } from './ffmpeg-binaries.ts';
export { frameTimes } from './frame-times.ts';
export { type VideoLimits, videoLimits } from './limits.ts';
export { type DataStream, probeVideo, type VideoProbe } from './probe-video.ts';
