import { CLASS_GEOMETRY } from '../fusion/index.ts';
import { type MapFeatureClass, TAXONOMY } from '../vision/index.ts';

/** Classes vision derives by OCR rather than from a detector class, so they are absent from TAXONOMY's values. */
const DERIVED: readonly MapFeatureClass[] = ['speed-limit', 'street-name-sign'];

/**
 * The classes a reviewer may relabel to: every map-feature class of the vision taxonomy, the OCR-derived ones, and
 * every class fusion places (its names can differ from vision's, e.g. `regulatory--maximum-speed-limit`). Context
 * classes (people, vehicles) are never map features, so they are neither reviewed nor offered.
 */
export const REVIEW_CLASSES: readonly string[] = [
  ...new Set([
    ...Object.values(TAXONOMY)
      .filter((e) => e.role === 'map-feature')
      .map((e) => e.feature),
    ...DERIVED,
    ...Object.keys(CLASS_GEOMETRY),
  ]),
].sort();

/** Whether a class may be chosen in a relabel. */
export function isReviewClass(cls: string): boolean {
  return REVIEW_CLASSES.includes(cls);
}
