import { createDetector, type DetectorConfig, detectorConfigFromEnv } from '../detect/config.ts';
import { MODEL_PATHS } from '../models/paths.ts';
import { OcrEngine } from '../ocr/ocr-engine.ts';
import type { Detector } from '../types.ts';
import { fileVersion, type ModelRun } from './store-detections.ts';

/** The open models of the detection stage and the run id their detections are stored under. */
export interface VisionModels {
  detector: Detector;
  ocr: OcrEngine;
  run: ModelRun;
  close(): Promise<void>;
}

/**
 * Opens the configured detector (env, see detect/config.ts) and PP-OCRv4. The model version is the sha256 of the
 * detector and recogniser files, so a newer model writes a new set of detections beside the old one.
 */
export async function openVisionModels(cfg: DetectorConfig = detectorConfigFromEnv()): Promise<VisionModels> {
  const [detector, ocr] = await Promise.all([createDetector(cfg), OcrEngine.create({ threads: cfg.threads })]);
  const path = cfg.onnxPath ?? MODEL_PATHS.centernetOnnx;
  const [det, rec] = await Promise.all([fileVersion(path), fileVersion(MODEL_PATHS.ocrRec)]);
  return {
    detector,
    ocr,
    run: { modelId: cfg.model, modelVersion: `${det}+${ocr.modelId}:${rec.slice(0, 8)}` },
    close: async () => {
      await Promise.all([detector.close(), ocr.close()]);
    },
  };
}
