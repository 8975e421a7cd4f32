import { decodeRgb, type RgbImage } from '../image/raw-image.ts';
import type { OcrEngine } from '../ocr/ocr-engine.ts';
import { isSignCandidate, readSign, readStreetNames } from '../signs/read-signs.ts';
import type { Box, Detection, Detector } from '../types.ts';

/** One row-to-be of the detections table. */
export interface FrameDetection {
  /** mapmint class (taxonomy, or derived by OCR: speed-limit, street-name-sign). */
  feature: string;
  modelClass: string;
  score: number;
  box: Box;
  text: string | undefined;
  value: string | undefined;
  extra: Record<string, unknown>;
}

/** The models a frame is analysed with. */
export interface AnalyseModels {
  detector: Detector;
  ocr: OcrEngine;
}

/**
 * Analyses one encoded frame: the detector's mapped detections, OCR on sign candidates (speed-limit value, stop
 * text) and street-name plates read above stop signs. Unmapped model classes are dropped. The frame is decoded
 * once; the detector, OCR and the review crops share those pixels, which are returned too.
 */
export async function analyseFrame(
  jpeg: Buffer,
  models: AnalyseModels,
): Promise<{ img: RgbImage; detections: FrameDetection[] }> {
  const img = await decodeRgb(jpeg);
  const [dets] = await models.detector.detect([img]);
  return { img, detections: await withOcr(img, dets ?? [], models.ocr) };
}

/** Adds OCR results to a frame's detections (sign readings and street names). */
export async function withOcr(img: RgbImage, dets: readonly Detection[], ocr: OcrEngine): Promise<FrameDetection[]> {
  const out: FrameDetection[] = [];
  for (const d of dets) {
    if (!d.feature) continue;
    const base = { modelClass: d.label, score: d.score, box: d.box, extra: { classId: d.classId } };
    if (!isSignCandidate(d)) {
      out.push({ ...base, feature: d.feature, text: undefined, value: undefined });
      continue;
    }
    const r = await readSign(img, d, ocr);
    const extra = { ...base.extra, ocrModel: ocr.modelId, ocrConfidence: r.confidence, detectorFeature: d.feature };
    out.push({ ...base, feature: r.feature ?? d.feature, text: r.text, value: r.value, extra });
    // Street-name plates are mounted on stop-sign posts, not on speed-limit signs (vision/signs/read-signs.ts).
    if (r.feature !== 'regulatory--stop') continue;
    for (const s of await readStreetNames(img, d.box, ocr)) {
      out.push({
        feature: 'street-name-sign',
        modelClass: 'ocr:text',
        score: s.confidence,
        box: s.box,
        text: s.text,
        value: s.value,
        extra: { ocrModel: ocr.modelId, nearSign: d.box },
      });
    }
  }
  return out;
}
