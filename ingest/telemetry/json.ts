/**
 * JSON sidecar reader. Accepted shapes (README.md lists the keys):
 * - an array of point objects, or an object holding one under `points`, `track`, `data`, `locations`, `positions`;
 * - GeoJSON: a FeatureCollection of Point features (time in `properties`), or a LineString Feature whose
 *   `properties.coordTimes` or `properties.coordinateProperties.times` gives one time per vertex (togeojson style).
 * Point objects may also nest position as `coords`/`coordinates`/`location` objects (`{latitude, longitude}`).
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { type Field, normName, readExtras, readTime, resolveFields } from './fields.ts';
import { telemetryLimits, tooManyPoints } from './limits.ts';
import { isValidLatLon, num, type TelemetryData, toText } from './parse-values.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Json | undefined): string | undefined =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;

const NESTED = ['coords', 'coordinates', 'location', 'position'];

/** Flatten one record: nested position objects are merged into the top level. */
function flatten(o: Obj): Obj {
  let out: Obj = { ...o };
  for (const k of NESTED) {
    const v = o[k];
    if (isObj(v)) out = { ...v, ...out };
  }
  return out;
}

function recordToPoint(rec: Obj, where: string): TrackPoint {
  const flat = flatten(rec);
  const keys = Object.keys(flat);
  const cols = resolveFields(keys);
  const get = (f: Field): string | undefined => {
    const i = cols.get(f);
    return i === undefined ? undefined : text(flat[keys[i]!]);
  };
  const lat = num(get('lat'));
  const lon = num(get('lon'));
  if (lat === undefined || lon === undefined || !isValidLatLon(lat, lon)) {
    throw invalid('json_bad_point', `${where}: needs numeric lat/latitude and lon/lng/longitude in range`);
  }
  const t = readTime(get);
  if (t === undefined) throw invalid('json_bad_time', `${where}: no readable time (ISO 8601 or Unix s/ms)`);
  return { t, lat, lon, ...readExtras(get) };
}

function fromGeoJsonLine(feature: Obj, where: string): TrackPoint[] {
  const geom = feature['geometry'];
  const props = isObj(feature['properties']) ? feature['properties'] : {};
  const cp = props['coordinateProperties'];
  const times = props['coordTimes'] ?? (isObj(cp) ? cp['times'] : undefined);
  if (!isObj(geom) || !Array.isArray(geom['coordinates']) || !Array.isArray(times)) {
    throw invalid('json_bad_geojson', `${where}: LineString needs coordinates and properties.coordTimes`);
  }
  const coords = geom['coordinates'];
  if (times.length !== coords.length) {
    throw invalid('json_bad_geojson', `${where}: ${coords.length} coordinates but ${times.length} times`);
  }
  return coords.map((c, i) => {
    const [lon, lat, alt] = Array.isArray(c) ? c : [];
    const rec: Obj = { lon: lon ?? null, lat: lat ?? null, time: times[i] ?? null };
    if (typeof alt === 'number') rec['alt'] = alt;
    return recordToPoint(rec, `${where}: coordinate ${i}`);
  });
}

function fromGeoJsonPoint(feature: Obj, where: string): TrackPoint {
  const geom = feature['geometry'];
  const coords = isObj(geom) && Array.isArray(geom['coordinates']) ? geom['coordinates'] : [];
  const [lon, lat, alt] = coords;
  const props = isObj(feature['properties']) ? feature['properties'] : {};
  const rec: Obj = { ...props, lon: lon ?? null, lat: lat ?? null };
  if (typeof alt === 'number' && !Object.keys(props).some((k) => ['alt', 'altitude', 'ele'].includes(normName(k)))) {
    rec['alt'] = alt;
  }
  return recordToPoint(rec, where);
}

function toPoints(root: Json, source: string): TrackPoint[] {
  if (Array.isArray(root)) {
    return root.map((r, i) => {
      if (!isObj(r)) throw invalid('json_bad_point', `${source}: item ${i} is not an object`);
      return recordToPoint(r, `${source}: item ${i}`);
    });
  }
  if (!isObj(root)) throw invalid('json_unsupported', `${source}: top level is neither an array nor an object`);
  if (root['type'] === 'FeatureCollection' && Array.isArray(root['features'])) {
    return root['features'].flatMap((f, i) => {
      const where = `${source}: features[${i}]`;
      if (!isObj(f) || !isObj(f['geometry'])) throw invalid('json_bad_geojson', `${where}: not a Feature`);
      const type = f['geometry']['type'];
      if (type === 'LineString') return fromGeoJsonLine(f, where);
      if (type === 'Point') return [fromGeoJsonPoint(f, where)];
      throw invalid('json_bad_geojson', `${where}: geometry type ${String(type)} is not Point or LineString`);
    });
  }
  if (root['type'] === 'Feature') return fromGeoJsonLine(root, source);
  for (const key of ['points', 'track', 'data', 'locations', 'positions']) {
    if (Array.isArray(root[key])) return toPoints(root[key], `${source}.${key}`);
  }
  throw invalid(
    'json_unsupported',
    `${source}: no points/track/data array and not GeoJSON (keys: ${Object.keys(root)})`,
  );
}

/** Parse a JSON or GeoJSON telemetry sidecar into a Track. */
export function parseJson(data: TelemetryData, source = 'json', opts: { maxPoints?: number } = {}): Track {
  let root: Json;
  try {
    root = JSON.parse(toText(data)) as Json;
  } catch (e) {
    throw invalid('json_malformed', `${source}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const points = toPoints(root, source);
  if (points.length === 0) throw invalid('json_no_points', `${source}: the point list is empty`);
  const maxPoints = opts.maxPoints ?? telemetryLimits().maxPoints;
  if (points.length > maxPoints) throw tooManyPoints(source, maxPoints);
  return { format: 'json', points };
}
