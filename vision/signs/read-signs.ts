import { padBox, type RgbImage } from '../image/raw-image.ts';
import type { OcrEngine, TextLine } from '../ocr/ocr-engine.ts';
import type { Box, Detection } from '../types.ts';
import { parseSpeedLimit, parseStreetName } from './parse-sign.ts';

/** What OCR made of a sign candidate. */
export interface SignReading {
  /** The sign's class after reading: a speed limit when it carries one number, else the detector's. */
  feature: Detection['feature'];
  text: string | undefined;
  value: string | undefined;
  confidence: number | undefined;
}

/** A street-name plate found by OCR near a sign post. */
export interface StreetName {
  box: Box;
  text: string;
  value: string;
  confidence: number;
}

/** Minimum CTC confidence for text to change a class or become a value. */
const MIN_CONF = 0.8;

/** Street names are kept at a lower confidence: a partly misread name still places a named sign. */
const STREET_CONF = 0.6;

/**
 * Street-name plates are searched only above signs at least this tall. The plates' letters are about a fifth of
 * the sign's height (25 px on the 130 px stop sign of mapillary_DSC00001.jpg), so under 50 px they are under
 * 10 source pixels: upscaling cannot make them readable, and the 960 px text search costs 0.4-1.3 s per sign.
 */
export const MIN_PLATE_SIGN_PX = 50;

/** Detections worth reading: signs (COCO calls every round sign a stop sign). */
export function isSignCandidate(d: Detection): boolean {
  return d.feature === 'regulatory--stop';
}

/** Reads the text on a sign candidate: "40" alone on a round sign makes it a speed limit with value 40. */
export async function readSign(img: RgbImage, d: Detection, ocr: OcrEngine): Promise<SignReading> {
  // Small signs are upscaled to 160 px so 20 px digits reach the size the detector was trained on.
  const lines = await ocr.read(img, padBox(d.box, 0.1), { minSide: 160 });
  const good = lines.filter((l) => l.confidence >= MIN_CONF).sort((a, b) => b.confidence - a.confidence);
  const text = good.map((l) => l.text).join(' ') || undefined;
  const w = d.box.x2 - d.box.x1;
  const h = d.box.y2 - d.box.y1;
  const round = w / h > 0.75 && w / h < 1.33;
  const limit = good.map((l) => parseSpeedLimit(l.text)).find((v) => v !== undefined);
  if (limit && round) return { feature: 'speed-limit', text, value: limit, confidence: good[0]?.confidence };
  return { feature: d.feature, text, value: undefined, confidence: good[0]?.confidence };
}

/**
 * Street-name plates sit on the sign's post above it (US: on top of the stop sign): reads text in the area from
 * three sign-heights above the sign down to its top, four sign-widths wide. Nothing for signs under
 * MIN_PLATE_SIGN_PX tall.
 */
export async function readStreetNames(img: RgbImage, sign: Box, ocr: OcrEngine): Promise<StreetName[]> {
  const w = sign.x2 - sign.x1;
  const h = sign.y2 - sign.y1;
  if (h < MIN_PLATE_SIGN_PX) return [];
  const area = { x1: sign.x1 - 1.5 * w, y1: sign.y1 - 3 * h, x2: sign.x2 + 1.5 * w, y2: sign.y1 + 0.05 * h };
  // Upscaled to 960 px: the 25 px high plates of mapillary_DSC00001.jpg are not found at 480.
  const lines: TextLine[] = await ocr.read(img, area, { minSide: 960 });
  return lines.flatMap((l) => {
    const value = l.confidence >= STREET_CONF ? parseStreetName(l.text) : undefined;
    return value ? [{ box: l.box, text: l.text, value, confidence: l.confidence }] : [];
  });
}
