import { bearingOf, type LocalFrame } from '../core/index.ts';
import { type Arc, distanceToPolyline, pointAlong, type RoadGraph } from './drive-graph.ts';
import type { Rng } from './prng.ts';
import type { Control } from './traffic-control.ts';
import type { DemoObject, ObjectClass } from './types.ts';

/** A control with where its stop line and its sign are. */
export interface PlacedControl extends Control {
  /** Distance of the stop line before the junction, along the arc, in metres. */
  stopLineM: number;
  object: DemoObject;
}

/** Everything roadside: controls with their signs, and the list of all objects with ids. */
export interface RoadsideObjects {
  controls: Map<string, PlacedControl>;
  objects: DemoObject[];
}

/** Physical sizes (face width x height, centre height) after Swiss SSV sizes for built-up areas. */
const SPEC: Record<ObjectClass, { size: [number, number]; height: [number, number] }> = {
  'regulatory--stop': { size: [0.75, 0.75], height: [2.0, 2.2] },
  'traffic-light': { size: [0.3, 0.9], height: [3.0, 4.5] },
  'regulatory--maximum-speed-limit': { size: [0.6, 0.6], height: [2.0, 2.3] },
  'fire-hydrant': { size: [0.3, 0.8], height: [0.4, 0.4] },
};

/** Signs keep this far from any carriageway edge, so nothing stands on the asphalt of a crossing street. */
const CLEARANCE_M = 0.6;

/**
 * Places the roadside objects: a sign or light at each controlled approach's stop line, a few speed-limit signs just
 * after junctions, and fire hydrants along the kerb. Signs stand on the right, 0.8-1.5 m beyond the kerb, facing
 * the traffic they address.
 */
export function placeObjects(rng: Rng, g: RoadGraph, frame: LocalFrame, chosen: Map<string, Control>): RoadsideObjects {
  const objects: DemoObject[] = [];
  const controls = new Map<string, PlacedControl>();
  const counters = new Map<string, number>();
  const make = (cls: ObjectClass, x: number, y: number, facing: number, extra: Partial<DemoObject>): DemoObject => {
    const prefix = {
      'regulatory--stop': 'stop',
      'traffic-light': 'light',
      'regulatory--maximum-speed-limit': 'limit',
      'fire-hydrant': 'hydrant',
    }[cls];
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    const [lat, lon] = frame.toLatLon(x, y);
    const rlat = Math.round(lat * 1e7) / 1e7;
    const rlon = Math.round(lon * 1e7) / 1e7;
    const [rx, ry] = frame.toXY(rlat, rlon);
    const spec = SPEC[cls];
    const obj: DemoObject = {
      id: `${prefix}-${n}`,
      class: cls,
      lat: rlat,
      lon: rlon,
      x: rx,
      y: ry,
      height: round(rng.uniform(spec.height[0], spec.height[1]), 2),
      size: spec.size,
      facing: round(facing, 1),
      ...extra,
    };
    objects.push(obj);
    return obj;
  };

  for (const [key, c] of [...chosen.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const crossingHalf = Math.max(
      0,
      ...(g.in.get(c.junction) ?? []).filter((a) => a.edge !== c.arc.edge).map((a) => a.edge.widthM / 2),
    );
    const offset = c.arc.edge.widthM / 2 + rng.uniform(0.8, 1.5);
    const spot = clearSpot(g, c.arc, { fromEnd: true, along: crossingHalf + 2, offset });
    if (!spot) continue;
    const cls: ObjectClass = c.kind === 'stop' ? 'regulatory--stop' : 'traffic-light';
    const extra: Partial<DemoObject> = { junction: c.junction };
    if (c.signal) extra.signal = c.signal;
    const object = make(cls, spot.x, spot.y, spot.facing, extra);
    controls.set(key, { ...c, stopLineM: spot.along, object });
  }

  const long = g.arcs.filter((a) => !a.edge.deadEnd && a.length > 70).sort((a, b) => a.key.localeCompare(b.key));
  const limited = new Set<number>();
  for (const arc of rng.shuffle(long)) {
    if (limited.size >= 5 || limited.has(arc.edge.id)) continue;
    const spot = clearSpot(g, arc, { fromEnd: false, along: 15, offset: arc.edge.widthM / 2 + rng.uniform(0.8, 1.5) });
    if (!spot) continue;
    limited.add(arc.edge.id);
    make('regulatory--maximum-speed-limit', spot.x, spot.y, spot.facing, { value: arc.edge.maxspeedKmh });
  }

  for (const arc of rng.shuffle([...long]).slice(0, 6)) {
    const side = rng.chance(0.5) ? 1 : -1;
    const along = arc.length * rng.uniform(0.25, 0.75);
    const spot = clearSpot(g, arc, { fromEnd: false, along, offset: side * (arc.edge.widthM / 2 + 0.7) });
    if (!spot) continue;
    // A hydrant has no face; "facing" points from it to the road so a camera on the street sees the same side.
    make('fire-hydrant', spot.x, spot.y, (spot.facing + 180 - side * 90 + 360) % 360, {});
  }
  return { controls, objects };
}

/** A point beside an arc that keeps CLEARANCE_M from every carriageway, moving away from the junction if needed. */
function clearSpot(
  g: RoadGraph,
  arc: Arc,
  opts: { fromEnd: boolean; along: number; offset: number },
): { x: number; y: number; facing: number; along: number } | undefined {
  for (let along = opts.along, tries = 0; tries < 15 && along < arc.length - 5; along += 1, tries++) {
    const p = pointAlong(arc.pts, opts.fromEnd ? arc.length - along : along);
    // Right of travel direction (dx, dy) is (dy, -dx); a negative offset puts the object on the left.
    const x = p.x + p.dy * opts.offset;
    const y = p.y - p.dx * opts.offset;
    const clear = g.edges.every((e) => distanceToPolyline(x, y, e.pts) - e.widthM / 2 >= CLEARANCE_M);
    if (clear) return { x, y, facing: (bearingOf(p.dx, p.dy) + 180) % 360, along };
  }
  return undefined;
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
