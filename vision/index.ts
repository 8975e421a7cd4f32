/** vision: model fetching and conversion, detectors and the class taxonomy. */
export * from './convert/index.ts';
export type { TfConst, TfNode } from './convert/read-graph-model.ts';
export { createDetector, type DetectorConfig, detectorConfigFromEnv } from './detect/config.ts';
export {
  type Candidate,
  decodeCenterNet,
  decodeYolo,
  type RawTensor,
  type YoloFormat,
  yoloFormat,
} from './detect/decode.ts';
export { parseUltralyticsNames, readLabelsFile } from './detect/labels.ts';
export { readOnnxModelInfo } from './detect/model-info.ts';
export { iou, nms } from './detect/nms.ts';
export { OnnxDetector, type OnnxDetectorOptions } from './detect/onnx-detector.ts';
export { type ImageTransform, type PreprocessSpec, preprocess, toImageBox } from './detect/preprocess.ts';
export { sessionOptions } from './detect/session-options.ts';
export {
  mapModelClass,
  normaliseClassName,
  TAXONOMY,
  type TaxonomyEntry,
} from './detect/taxonomy.ts';
export { decodeRgb, encodeCropJpeg, encodeJpeg, isPlainJpeg, isRgbImage } from './image/raw-image.ts';
export { COCO_LABELS } from './models/coco-labels.ts';
export {
  convertCenterNet,
  fetchModels,
  fetchPackage,
  type LockedPackage,
  prepareModels,
  readLock,
} from './models/fetch-models.ts';
export { MODEL_PATHS, MODELS_DIR } from './models/paths.ts';
export { ctcAlphabet, ctcGreedy, type Recognised } from './ocr/ctc.ts';
export { type DbOptions, dbBoxes, type TextRegion } from './ocr/db-postprocess.ts';
export { type FindTextOptions, OcrEngine, type OcrOptions, type TextLine } from './ocr/ocr-engine.ts';
export { analyseFrame, type FrameDetection, withOcr } from './pipeline/analyse-frame.ts';
export { annotateImage } from './pipeline/annotate.ts';
export { type DetectImagesOptions, detectImages, type ImageResult } from './pipeline/detect-images.ts';
export { type DetectUploadOptions, type DetectUploadResult, detectUpload } from './pipeline/detect-upload.ts';
export {
  countDetections,
  newestRunDetections,
  type StoredDetection,
} from './pipeline/read-detections.ts';
export { type ModelRun, storeFrameDetections } from './pipeline/store-detections.ts';
export { openVisionModels, type VisionModels } from './pipeline/vision-models.ts';
export { decodeBlazeFace, ssdAnchors } from './privacy/blazeface-anchors.ts';
export { blurBoxes, blurRegions } from './privacy/blur-regions.ts';
export { blurStoredFrames } from './privacy/blur-stored.ts';
export { type Face, FaceDetector, type FaceOptions } from './privacy/face-detector.ts';
export {
  findPrivacyRegions,
  openPrivacyBlur,
  type PixelCarrier,
  PrivacyBlur,
  type PrivacyModels,
  type PrivacyOptions,
} from './privacy/privacy-blur.ts';
export {
  coveredFraction,
  faceColours,
  headRegion,
  type PrivacyRegion,
  plateSearchArea,
  signColoured,
} from './privacy/regions.ts';
export { normalisePlate, parseSpeedLimit, parseStreetName } from './signs/parse-sign.ts';
export {
  isSignCandidate,
  MIN_PLATE_SIGN_PX,
  readSign,
  readStreetNames,
  type SignReading,
} from './signs/read-signs.ts';
export type { Box, Detection, Detector, ImageInput, MapFeatureClass, RgbImage } from './types.ts';
