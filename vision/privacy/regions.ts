import { mapModelClass } from '../detect/taxonomy.ts';
import type { TextRegion } from '../ocr/db-postprocess.ts';
import type { Box, Detection, RgbImage } from '../types.ts';

/** A region to blur and why. */
export interface PrivacyRegion {
  box: Box;
  kind: 'face' | 'head' | 'plate';
  score: number;
}

/** Vehicle classes whose lower part may carry a plate. */
const PLATE_CARRIERS = new Set(['object--vehicle--car', 'object--vehicle--truck', 'object--vehicle--bus']);

/** True for detections whose box may hold a licence plate. */
export function carriesPlate(d: Detection): boolean {
  return d.feature !== undefined && PLATE_CARRIERS.has(d.feature);
}

/** True for detections of people (their heads are blurred). */
export function isPerson(d: Detection): boolean {
  return mapModelClass(d.label)?.feature === 'object--person';
}

/**
 * The head of a person box: the top quarter (a standing adult's head is about 1/7 of the height; a quarter leaves
 * room for sitting, bending and loose boxes), widened by 15 % each side and raised by 5 % for boxes cut at the hair.
 */
export function headRegion(person: Box): Box {
  const w = person.x2 - person.x1;
  const h = person.y2 - person.y1;
  return { x1: person.x1 - 0.15 * w, y1: person.y1 - 0.05 * h, x2: person.x2 + 0.15 * w, y2: person.y1 + 0.25 * h };
}

/**
 * The part of a vehicle box searched for plates: the lower `fraction` of it. The default is the whole box: on the
 * overhead openalpr frames the plates sit at 28-38 % of the box height (vehicles cut by the frame edge), and the
 * lower 60 % found 2 of 4 annotated plates where the whole box finds all 4 (test/vision/privacy-real.test.ts).
 */
export function plateSearchArea(vehicle: Box, fraction = 1): Box {
  const h = vehicle.y2 - vehicle.y1;
  return { x1: vehicle.x1, y1: vehicle.y2 - fraction * h, x2: vehicle.x2, y2: vehicle.y2 };
}

/**
 * Keeps text regions shaped like plates within a vehicle: wider than tall but at most 8:1 (US 2:1, EU 4.7:1, with
 * the DB box hugging the characters), and no taller than a quarter of the vehicle (lettering on vans is larger).
 */
export function plateLike(t: TextRegion, vehicle: Box): boolean {
  const w = t.box.x2 - t.box.x1;
  const h = t.box.y2 - t.box.y1;
  return w >= h && w <= 8 * h && h <= 0.25 * (vehicle.y2 - vehicle.y1);
}

/**
 * Colours of a face candidate: the fraction of its pixels in saturated sign red (red channel highest, saturation
 * >= 0.55, blue not below green by much: the hue of stop signs and speed-limit rings, not of skin, whose green
 * exceeds its blue) and the fraction in skin tones (R >= G > B, saturation 0.1-0.8).
 */
export function faceColours(img: RgbImage, b: Box): { signRed: number; skin: number } {
  let n = 0;
  let red = 0;
  let skin = 0;
  const x1 = Math.max(0, Math.floor(b.x1));
  const x2 = Math.min(img.width, Math.ceil(b.x2));
  for (let y = Math.max(0, Math.floor(b.y1)); y < Math.min(img.height, Math.ceil(b.y2)); y++) {
    for (let x = x1; x < x2; x++) {
      const i = (y * img.width + x) * 3;
      const r = img.data[i]!;
      const g = img.data[i + 1]!;
      const bl = img.data[i + 2]!;
      const mx = Math.max(r, g, bl);
      const sat = mx === 0 ? 0 : (mx - Math.min(r, g, bl)) / mx;
      n++;
      if (r === mx && mx >= 80 && sat >= 0.55 && g - bl < 0.25 * (mx - Math.min(g, bl)) + 10) red++;
      if (r >= g && g > bl && mx >= 40 && sat >= 0.1 && sat <= 0.8) skin++;
    }
  }
  return n === 0 ? { signRed: 0, skin: 0 } : { signRed: red / n, skin: skin / n };
}

/**
 * True when a BlazeFace hit is a sign rather than a face: at least 12 % sign red and under 30 % skin. Measured:
 * the hits on rendered demo signs the detector missed have 14-44 % red and 0-10 % skin; every annotated face of
 * yolov5_bus.jpg and opensfm_berlin_01.jpg has >= 59 % skin (the reddest, 20 % red, has 80 % skin).
 */
export function signColoured(img: RgbImage, b: Box): boolean {
  const c = faceColours(img, b);
  return c.signRed >= 0.12 && c.skin < 0.3;
}

/** Fraction of box `a` covered by the union of `cover` (sampled on a grid, exact enough for recall checks). */
export function coveredFraction(a: Box, cover: readonly Box[], samples = 20): number {
  let hit = 0;
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < samples; j++) {
      const x = a.x1 + ((i + 0.5) / samples) * (a.x2 - a.x1);
      const y = a.y1 + ((j + 0.5) / samples) * (a.y2 - a.y1);
      if (cover.some((c) => x >= c.x1 && x <= c.x2 && y >= c.y1 && y <= c.y2)) hit++;
    }
  }
  return hit / (samples * samples);
}
