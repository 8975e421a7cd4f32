/**
 * Small value helpers shared by the telemetry readers: input decoding, coordinate checks, time parsing.
 * Pure functions; no I/O.
 */

/** Raw telemetry as the readers accept it: already-decoded text or bytes. */
export type TelemetryData = string | Uint8Array;

/** One knot in metres per second (1 nmi = 1852 m exactly, by definition). */
export const KNOTS_TO_MPS = 1852 / 3600;

/** One km/h in metres per second. */
export const KMH_TO_MPS = 1 / 3.6;

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;

/** Decode bytes as UTF-8 text (a leading BOM is dropped); strings pass through. */
export function toText(data: TelemetryData): string {
  const text = typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: false }).decode(data);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Decode bytes one byte per char (latin1), so binary junk keeps its length and never throws. */
export function toLatin1(data: TelemetryData): string {
  return typeof data === 'string'
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

/** True when lat/lon are finite and inside the WGS84 ranges. */
export function isValidLatLon(lat: number, lon: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

/** Parse a decimal number; `undefined` for empty or non-numeric text (no partial parses like parseFloat). */
export function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

// Unix seconds are told from milliseconds by magnitude: 1e11 s is the year 5138, 1e11 ms is 1973.
const UNIX_MS_THRESHOLD = 1e11;

/**
 * Parse a timestamp: ISO 8601 (with `T` or a space, `Z` or an offset; no zone means UTC) or Unix seconds/milliseconds.
 * Returns Unix ms, or `undefined` when the text is not a time.
 */
export function parseTime(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const n = num(s);
  if (n !== undefined) return Math.abs(n) >= UNIX_MS_THRESHOLD ? Math.round(n) : Math.round(n * 1000);
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0), ms);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(t) && isPlausibleDate(Number(mo), Number(d), Number(h), Number(mi)) ? t : undefined;
}

function isPlausibleDate(month: number, day: number, hour: number, minute: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 24 && minute <= 59;
}

/** Normalise a course to [0, 360); `undefined` passes through. */
export function normHeading(deg: number | undefined): number | undefined {
  if (deg === undefined || !Number.isFinite(deg)) return undefined;
  const h = deg % 360;
  return h < 0 ? h + 360 : h;
}
