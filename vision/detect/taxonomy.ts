import type { MapFeatureClass } from '../types.ts';

/** Why a class is kept: a mappable feature, or context (and privacy: persons and vehicles get blurred). */
export interface TaxonomyEntry {
  feature: MapFeatureClass;
  role: 'map-feature' | 'context';
  /** Faces or plates may be visible: the privacy step blurs inside these boxes. */
  privacy: boolean;
}

/** THE one table from model class names (normalised, see normaliseClassName) to mapmint classes. */
export const TAXONOMY: Readonly<Record<string, TaxonomyEntry>> = {
  'stop sign': { feature: 'regulatory--stop', role: 'map-feature', privacy: false },
  'traffic light': { feature: 'traffic-light', role: 'map-feature', privacy: false },
  'fire hydrant': { feature: 'fire-hydrant', role: 'map-feature', privacy: false },
  'parking meter': { feature: 'parking-meter', role: 'map-feature', privacy: false },
  bench: { feature: 'bench', role: 'map-feature', privacy: false },
  person: { feature: 'object--person', role: 'context', privacy: true },
  car: { feature: 'object--vehicle--car', role: 'context', privacy: true },
  bus: { feature: 'object--vehicle--bus', role: 'context', privacy: true },
  truck: { feature: 'object--vehicle--truck', role: 'context', privacy: true },
  bicycle: { feature: 'object--vehicle--bicycle', role: 'context', privacy: false },
  motorcycle: { feature: 'object--vehicle--motorcycle', role: 'context', privacy: true },
};

/** Lower-cases and unifies separators so 'Stop_Sign', 'stop-sign' and 'stop sign' are one key. */
export function normaliseClassName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[_\-\s]+/g, ' ');
}

/** The mapmint class for a model class name, or undefined when mapmint does not map it. */
export function mapModelClass(name: string): TaxonomyEntry | undefined {
  return TAXONOMY[normaliseClassName(name)];
}
