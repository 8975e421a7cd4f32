/** vision: model fetching and conversion, detectors and the class taxonomy. */
export * from './convert/index.ts';
export type { TfConst, TfNode } from './convert/read-graph-model.ts';
export { COCO_LABELS } from './detect/coco-labels.ts';
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
export {
  type MapFeatureClass,
  mapModelClass,
  normaliseClassName,
  TAXONOMY,
  type TaxonomyEntry,
} from './detect/taxonomy.ts';
export type { Box, Detection, Detector, ImageInput } from './detect/types.ts';
export {
  convertCenterNet,
  fetchModels,
  fetchPackage,
  type LockedPackage,
  prepareModels,
  readLock,
} from './models/fetch-models.ts';
export { MODEL_PATHS, MODELS_DIR } from './models/paths.ts';
