/** Physical sizes of the classes fusion places on the map, and the camera defaults it assumes. */

/** What fusion knows about a class: the physical height its box height measures, and how much that varies. */
export interface ClassGeometry {
  /** Face (or body) height in metres, the dimension a box's height measures. */
  heightM: number;
  /** Relative 1-sigma spread of that height between real objects (sign sizes differ by road type and country). */
  sizeSigmaRel: number;
  /** Stands beside the carriageway (signs, hydrants), so a fused position on the asphalt is pushed to the kerb. */
  roadside: boolean;
  /** Has a face seen from one side only (signs, lights); a hydrant looks the same from every side. */
  faced: boolean;
}

/**
 * Classes fused into map features. Heights follow Swiss SSV sizes for built-up areas (stop 0.75 m face, speed-limit
 * roundel 0.6 m), a three-aspect light housing of about 0.9 m and a pillar hydrant of about 0.8 m; detector classes
 * not listed (cars, people) are context, never features.
 */
export const CLASS_GEOMETRY: Readonly<Record<string, ClassGeometry>> = {
  'regulatory--stop': { heightM: 0.75, sizeSigmaRel: 0.1, roadside: true, faced: true },
  'regulatory--maximum-speed-limit': { heightM: 0.6, sizeSigmaRel: 0.12, roadside: true, faced: true },
  'traffic-light': { heightM: 0.9, sizeSigmaRel: 0.15, roadside: false, faced: true },
  'fire-hydrant': { heightM: 0.8, sizeSigmaRel: 0.15, roadside: true, faced: false },
};

/** Geometry of a class, or undefined when fusion does not map it. */
export function classGeometry(cls: string): ClassGeometry | undefined {
  return Object.hasOwn(CLASS_GEOMETRY, cls) ? CLASS_GEOMETRY[cls] : undefined;
}

/** Horizontal field of view assumed when a device declares none: 115 deg, typical of dashcams (and the demo's). */
export const DEFAULT_HFOV_DEG = 115;
