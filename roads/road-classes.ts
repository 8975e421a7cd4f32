/**
 * Which OSM ways are roads a contributor can be rewarded for driving, and in which directions.
 *
 * Kept: motorway, trunk, primary, secondary, tertiary (and their *_link ramps), unclassified, residential,
 * living_street, and service roads except parking aisles, driveways and drive-throughs. Those last three are private
 * or car-park lanes: imagery of them is of little value to map users and they would let drivers farm rewards by
 * circling a car park. Also dropped: track, path, footway, cycleway, bus_guideway, road (unknown class), and ways
 * under construction or proposed; areas (area=yes); ways closed to motor vehicles (access/motor_vehicle/motorcar =
 * no or private, unless a more specific motor tag allows them again).
 */
import type { OsmWay } from './osm-source.ts';

/** highway=* values imported, in order of importance. */
export const DRIVABLE_CLASSES: readonly string[] = [
  'motorway',
  'trunk',
  'primary',
  'secondary',
  'tertiary',
  'motorway_link',
  'trunk_link',
  'primary_link',
  'secondary_link',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
  'service',
];

const CLASSES = new Set(DRIVABLE_CLASSES);
const EXCLUDED_SERVICE = new Set(['parking_aisle', 'driveway', 'drive-through', 'emergency_access']);
const CLOSED = new Set(['no', 'private']);
const OPEN = new Set(['yes', 'designated', 'permissive', 'destination', 'customers', 'delivery']);

/** True when a way is a drivable public road by the rules above. */
export function isDrivable(w: OsmWay): boolean {
  const t = w.tags;
  const hw = t['highway'];
  if (hw === undefined || !CLASSES.has(hw)) return false;
  if (t['area'] === 'yes') return false;
  if (hw === 'service' && t['service'] !== undefined && EXCLUDED_SERVICE.has(t['service'])) return false;
  // The most specific motor tag wins (OSM access hierarchy: access > motor_vehicle > motorcar).
  const access = t['motorcar'] ?? t['motor_vehicle'] ?? t['vehicle'] ?? t['access'];
  if (access !== undefined && CLOSED.has(access)) return false;
  if (access !== undefined && !OPEN.has(access) && t['access'] !== undefined && CLOSED.has(t['access'])) return false;
  return true;
}

/**
 * Driving directions relative to the way's node order: 1 only forwards, -1 only backwards, 0 both. Motorways and
 * roundabouts are oneway unless tagged otherwise (OSM wiki, Key:oneway); reversible/alternating ways are open in
 * both directions because a driver may legitimately have used either.
 */
export function onewayOf(tags: Record<string, string>): -1 | 0 | 1 {
  const v = tags['oneway'];
  if (v === 'yes' || v === 'true' || v === '1') return 1;
  if (v === '-1' || v === 'reverse') return -1;
  if (v === 'no' || v === 'false' || v === '0' || v === 'reversible' || v === 'alternating') return 0;
  const hw = tags['highway'];
  const j = tags['junction'];
  if (hw === 'motorway' || hw === 'motorway_link' || j === 'roundabout' || j === 'circular') return 1;
  return 0;
}
