export {
  type ClipGap,
  type Drive,
  type DriveFile,
  type DriveTiming,
  loadDrive,
  mergeClipTracks,
} from './load-drive.ts';
export { type SampleUploadOptions, sampleUpload } from './sample-upload.ts';
export {
  countFrames,
  type DriveBounds,
  driveExtent,
  type StoredFrame,
  setFrameBlob,
  trackPointsKey,
  uploadFrames,
} from './stored-drive.ts';
export { readTrack } from './telemetry/index.ts';
export { validateTrack } from './validate/index.ts';
export { type StoredReport, validateUpload } from './validate-upload.ts';
export { verifyUpload } from './verify-upload.ts';
export { localToUtcMs, probeVideo, type VideoProbe } from './video/index.ts';
