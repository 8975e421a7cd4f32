/**
 * Column/key names shared by the CSV and JSON sidecar readers, and the conversion of one record to a TrackPoint.
 * Names are matched after lower-casing and dropping a parenthesised suffix and non-alphanumerics, so
 * "Latitude", "lat", "Time (UTC)" and "speed_kmh" all resolve. See README.md for the accepted names.
 */
import { KMH_TO_MPS, normHeading, num, parseTime } from './parse-values.ts';

/** The fields a sidecar record can carry. */
export type Field =
  | 'time'
  | 'date'
  | 'lat'
  | 'lon'
  | 'alt'
  | 'speed'
  | 'speedKmh'
  | 'heading'
  | 'hdop'
  | 'satellites'
  | 'fix'
  | 'id'
  | 'geometry';

const ALIASES: Record<Field, string[]> = {
  time: ['time', 'timestamp', 'datetime', 'utc', 'gpstime', 'unixtime', 'epoch', 't', 'timems', 'ts'],
  date: ['date'],
  lat: ['lat', 'latitude'],
  lon: ['lon', 'lng', 'long', 'longitude'],
  alt: ['alt', 'altitude', 'ele', 'elevation', 'height'],
  speed: ['speed', 'speedms', 'velocity', 'groundspeed'],
  speedKmh: ['speedkmh', 'kmh', 'speedkph'],
  heading: ['heading', 'course', 'bearing', 'track', 'direction', 'cog'],
  hdop: ['hdop'],
  satellites: ['satellites', 'sats', 'sat', 'numsats', 'nsat'],
  fix: ['fix', 'fixtype', 'mode'],
  id: ['id', 'trackid', 'tripid', 'vehicleid', 'segmentid'],
  geometry: ['geometry', 'wkt', 'geom'],
};

/** Normalise a column or key name for alias lookup. */
export function normName(name: string): string {
  // A unit in parentheses matters for speed ("Speed (km/h)"); other parenthesised notes ("Time (UTC)") do not.
  return name
    .toLowerCase()
    .replace(/km\/h|kph/g, 'kmh')
    .replace(/\(([^)]*kmh[^)]*)\)/g, '$1')
    .replace(/\(.*?\)/g, '')
    .replace(/[^a-z0-9]/g, '');
}

/** Map each known field to the index of the first column naming it (a name maps to one field only). */
export function resolveFields(names: string[]): Map<Field, number> {
  const out = new Map<Field, number>();
  const norm = names.map(normName);
  for (const field of Object.keys(ALIASES) as Field[]) {
    for (const alias of ALIASES[field]) {
      const i = norm.indexOf(alias);
      if (i >= 0 && ![...out.values()].includes(i)) {
        out.set(field, i);
        break;
      }
    }
  }
  return out;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Parse a separate date + time pair: "17-Jan-2009" or "2009-01-17" plus "20:27:37[.sss]", taken as UTC. */
export function parseDateAndTime(date: string, time: string): number | undefined {
  const d = date.trim();
  let ymd: [number, number, number] | undefined;
  const named = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(d);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (named) {
    const month = MONTHS.indexOf(named[2]!.toLowerCase());
    if (month >= 0) ymd = [Number(named[3]), month + 1, Number(named[1])];
  } else if (iso) {
    ymd = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  }
  const tm = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(time.trim());
  if (!ymd || !tm) return undefined;
  const t = Date.UTC(ymd[0], ymd[1] - 1, ymd[2], Number(tm[1]), Number(tm[2])) + Number(tm[3]) * 1000;
  return Number.isFinite(t) ? Math.round(t) : undefined;
}

/** Parse WKT `POINT (lon lat [alt])`; `undefined` when not a point. */
export function parseWktPoint(text: string): [number, number, number | undefined] | undefined {
  const m = /^\s*POINT\s*Z?\s*\(\s*(\S+)\s+(\S+)(?:\s+(\S+))?\s*\)\s*$/i.exec(text);
  if (!m) return undefined;
  const lon = num(m[1]);
  const lat = num(m[2]);
  if (lon === undefined || lat === undefined) return undefined;
  return [lon, lat, num(m[3])];
}

/** Optional numeric fields of a record, already converted to TrackPoint units. */
export interface Extras {
  alt?: number;
  speed?: number;
  heading?: number;
  hdop?: number;
  satellites?: number;
  fix?: 0 | 2 | 3;
}

/** Read the optional fields of one record through `get` (which returns the raw text of a field, if present). */
export function readExtras(get: (f: Field) => string | undefined): Extras {
  const out: Extras = {};
  const alt = num(get('alt'));
  if (alt !== undefined) out.alt = alt;
  const speed = num(get('speed'));
  const kmh = num(get('speedKmh'));
  if (speed !== undefined) out.speed = speed;
  else if (kmh !== undefined) out.speed = kmh * KMH_TO_MPS;
  const heading = normHeading(num(get('heading')));
  if (heading !== undefined) out.heading = heading;
  const hdop = num(get('hdop'));
  if (hdop !== undefined) out.hdop = hdop;
  const sats = num(get('satellites'));
  if (sats !== undefined) out.satellites = sats;
  const fix = get('fix')?.trim().toLowerCase();
  if (fix === '2' || fix === '2d') out.fix = 2;
  else if (fix === '3' || fix === '3d') out.fix = 3;
  else if (fix === '0' || fix === '1' || fix === 'none') out.fix = 0;
  return out;
}

/** Parse the time of one record: a `time` value (ISO or Unix s/ms), or a `date` + `time` pair. */
export function readTime(get: (f: Field) => string | undefined): number | undefined {
  const time = get('time');
  const date = get('date');
  if (date !== undefined && time !== undefined) {
    const joined = parseDateAndTime(date, time);
    if (joined !== undefined) return joined;
  }
  if (time !== undefined) return parseTime(time);
  return date !== undefined ? parseTime(date) : undefined;
}
