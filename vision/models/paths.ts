import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where fetched and converted models live (gitignored); `MAPMINT_MODELS_DIR` overrides it. */
export const MODELS_DIR = process.env.MAPMINT_MODELS_DIR ?? path.join(REPO_ROOT, '.mapmint', 'models');

/** The committed lock file pinning every model tarball. */
export const LOCK_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'models.lock.json');

/** Paths of the model files the rest of vision uses, all under MODELS_DIR. */
export const MODEL_PATHS = {
  centernetJson: path.join(MODELS_DIR, 'human-models', 'centernet.json'),
  centernetBin: path.join(MODELS_DIR, 'human-models', 'centernet.bin'),
  centernetOnnx: path.join(MODELS_DIR, 'converted', 'centernet.onnx'),
  blazefaceFront: path.join(MODELS_DIR, 'blazeface', 'face_detection_front_128x128_barracuda.onnx'),
  blazefaceBack: path.join(MODELS_DIR, 'blazeface', 'face_detection_back_256x256_barracuda.onnx'),
  ocrDet: path.join(MODELS_DIR, 'ppocr', 'ch_PP-OCRv4_det_infer.onnx'),
  ocrRec: path.join(MODELS_DIR, 'ppocr', 'ch_PP-OCRv4_rec_infer.onnx'),
  ocrCls: path.join(MODELS_DIR, 'ppocr', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  ocrKeys: path.join(MODELS_DIR, 'ppocr', 'ppocr_keys_v1.txt'),
} as const;
