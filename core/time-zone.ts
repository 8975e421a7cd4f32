/**
 * IANA time zones, as a driver names the zone a camera's clock was set to (`--timezone Europe/Berlin`). Only the
 * runtime's own tz database (Intl) is consulted: the same names the server accepts and alignment applies.
 */

/** The zones Intl knows, in canonical spelling; read once. */
let zones: Map<string, string> | undefined;

function knownZones(): Map<string, string> {
  if (!zones) {
    // supportedValuesOf lists canonical names only; UTC and the aliases Intl resolves are added by isTimeZone.
    zones = new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  }
  return zones;
}

/**
 * The canonical IANA name of `name` (`europe/berlin` -> `Europe/Berlin`; links resolve as Intl resolves them), or
 * undefined when it is not a zone. Offsets such as `+01:00` and abbreviations such as `CET` are refused: a camera in
 * a zone with summer time needs the zone, not the offset of one season.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  if (/^(utc|etc\/utc|gmt|etc\/gmt)$/i.test(name)) return 'UTC';
  const known = knownZones().get(name.toLowerCase());
  if (known) return known;
  if (!name.includes('/')) return undefined;
  try {
    // Links such as Asia/Calcutta are valid names that supportedValuesOf leaves out.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return knownZones().get(resolved.toLowerCase()) ?? resolved;
  } catch {
    return undefined;
  }
}

/** Whether `name` is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  return canonicalTimeZone(name) !== undefined;
}

/** How far local time in `zone` is ahead of UTC at the instant `atMs`, in milliseconds (summer time included). */
export function timeZoneOffsetMs(zone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/** Zones a driver is likely to mean, per UTC offset, tried before the alphabetical rest. */
const COMMON_ZONES = [
  'Europe/London',
  'Europe/Berlin',
  'Europe/Helsinki',
  'Europe/Moscow',
  'Asia/Dubai',
  'Asia/Karachi',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
];

/** A well-known zone that was `offsetMs` ahead of UTC at `atMs` (an example for a hint), or undefined. */
export function exampleTimeZone(offsetMs: number, atMs: number): string | undefined {
  const fits = (z: string) => timeZoneOffsetMs(z, atMs) === offsetMs;
  return COMMON_ZONES.find(fits) ?? Intl.supportedValuesOf('timeZone').find((z) => z.includes('/') && fits(z));
}
