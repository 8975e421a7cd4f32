/** The video's own motion (optical flow on a small grey copy) and the video<->track time alignment it gives. */
export {
  type CheckInput,
  CLOCK_TOLERANCE_MS,
  checkVideoMotion,
  UNTRUSTED_CLOCKS,
  type VideoMotionCheck,
} from './check-video-motion.ts';
export { CONFIDENT, findOffset, type OffsetResult, type OffsetSearch } from './find-offset.ts';
export { type MotionProfile, type MotionSample, measureMotion, motionWidth } from './measure-motion.ts';
export { type TrackProfile, trackProfile } from './track-profile.ts';
