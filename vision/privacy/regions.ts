import { mapModelClass } from '../detect/taxonomy.ts';
import type { Box, Detection } from '../detect/types.ts';
import type { TextRegion } from '../ocr/db-postprocess.ts';

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
