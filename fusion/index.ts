/**
 * fusion: detections in frames become map features. Rays from posed detections, association within a drive and
 * across drives, least-squares triangulation, roadside snapping, confidence, change detection and history.
 * The public face of the stage; other stages import only this file.
 */

export { type LocalFrame, localFrame } from '../core/index.ts';
export { type AssociateOptions, associateDrive, locate, type Tracklet } from './associate.ts';
export { CLASS_GEOMETRY, type ClassGeometry, classGeometry, DEFAULT_HFOV_DEG } from './classes.ts';
export {
  confidenceOf,
  estimateFeature,
  type FeatureEstimate,
  REMOVAL_PRIOR,
  REMOVED_AT,
  statusOf,
  updateRemoval,
} from './combine.ts';
export {
  countFeatures,
  countUploadFeatures,
  type FeatureSummary,
  featureById,
  type MapFeature,
} from './feature-rows.ts';
export { FUSION_STEP, type FuseOptions, type FuseResult, fuseUpload, fuseUploadIn } from './fuse-upload.ts';
export {
  applyFeatureReview,
  type FeatureReview,
  type MapFeatureAt,
  mapAt,
  type ReviewedFeature,
  reviewFeature,
} from './history.ts';
export { compareObservations, type Observation, type ObserveOptions, observe, type PosedDetection } from './observe.ts';
export { type Estimate, type Ray, triangulate } from './triangulate.ts';
export { clearlyVisible, type FramePose } from './visibility.ts';
