/** Frame sampling: posed, quality-checked, distance-spaced frames from a video or an image sequence, stored and inserted. */
export { type FallbackRun, type FallbackSpan, fallbackRuns, MERGE_GAP_S } from './fallback-runs.ts';
export {
  DEFAULT_QUALITY,
  type FrameQuality,
  greyQuality,
  laplacianVariance,
  type QualityThresholds,
  qualityVerdict,
} from './frame-quality.ts';
export { INSERT_BATCH, insertFrames } from './insert-frames.ts';
export { DEFAULT_RULES, type Pick, type PlanCounts, planFrames, type SelectionRules } from './plan-frames.ts';
export { type SampleFramesInput, type SampleStats, type SamplingOptions, sampleFrames } from './sample-frames.ts';
export { type SampleImagesInput, type SkippedImage, sampleImages } from './sample-images.ts';
export {
  type BeforeStore,
  DEFAULT_JPEG,
  encodeRgb,
  type FrameMeta,
  FrameWriter,
  type JpegOptions,
  type RawFrame,
  type SampledFrame,
} from './store-frames.ts';
export { type Pose, TrackPoses } from './track-pose.ts';
export { type Matrix, matrixFor, yuv420ToRgb } from './yuv-to-rgb.ts';
