/**
 * GPS from GPMF payloads. Streams, in order of preference:
 * - GPS9 (HERO11+): lat, lon, alt, 2D speed, 3D speed, days since 2000, seconds since midnight, DOP, fix; each
 *   sample carries its own UTC time.
 * - GPS5 (HERO5-10, MAX): lat, lon, alt, 2D speed, 3D speed; the payload's GPSU (UTC) anchors the first sample and
 *   the samples are spread evenly over the payload's duration from `stts` (gpmf-parser `GPMF_ScaledData` timing).
 *   GPSF is the fix (0 = none: such samples are dropped), GPSP the DOP x100.
 * - GLPI / GPRI (GoPro Karma drone): position structures whose first element is the drone's system clock; the SYST
 *   stream pairs that clock with Unix time and we interpolate between pairs, as exiftool's ConvertSystemTime does.
 *   GLPI (the drone's "global position") is preferred: it is what exiftool reports as GPSLatitude/GPSDateTime.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { type Klv, parseGpsu, readNumbers, readScal, readString } from './gpmf.ts';
import { tooManyPoints } from './limits.ts';
import { DAY_MS, isValidLatLon, normHeading } from './parse-values.ts';

/** One GPMF payload (one sample of the gpmd track) with its timing from the sample table, in seconds. */
export interface GpmfPayload {
  klv: Klv[];
  time: number;
  duration: number;
}

interface Block {
  key: string;
  rows: number[][];
  /** The payload's place on the track clock (stts), seconds. */
  time: number;
  duration: number;
  gpsu?: number;
  gpsf?: number;
  gpsp?: number;
}

const GPS_KEYS = new Set(['GPS9', 'GPS5', 'GLPI', 'GPRI', 'SYST']);
const Y2000_MS = Date.UTC(2000, 0, 1);

/**
 * The GPS-bearing blocks of a gpmd track, collected payload by payload as the samples are read: a payload without GPS
 * leaves nothing behind, so memory follows the GPS found, not the number of samples. Rows past `maxPoints` in one
 * stream end the read with `telemetry_too_large`.
 */
export class GpmfGpsCollector {
  private readonly blocks: Block[] = [];
  private readonly streams = new Set<string>();
  private readonly devices = new Set<string>();
  private readonly rows = new Map<string, number>();
  private payloads = 0;

  constructor(
    private readonly where: string,
    private readonly maxPoints = Number.POSITIVE_INFINITY,
  ) {}

  /** Walk DEVC > STRM of one payload and keep its GPS-bearing blocks with their sticky SCAL/TYPE/GPSx values. */
  add(payload: GpmfPayload): void {
    this.payloads++;
    for (const devc of payload.klv) {
      if (devc.key !== 'DEVC' || !devc.children) continue;
      for (const strm of devc.children) {
        if (strm.key === 'DVNM') this.devices.add(readString(strm));
        if (strm.key === 'STRM' && strm.children) this.addStream(strm.children, payload);
      }
    }
  }

  private addStream(children: Klv[], payload: GpmfPayload): void {
    let scal: number[] | undefined;
    let type: string | undefined;
    const sticky: Pick<Block, 'gpsu' | 'gpsf' | 'gpsp'> = {};
    for (const k of children) {
      switch (k.key) {
        case 'SCAL':
          scal = readScal(k);
          break;
        case 'TYPE':
          type = readString(k);
          break;
        case 'GPSU':
          sticky.gpsu = parseGpsu(readString(k));
          break;
        case 'GPSF':
          sticky.gpsf = readNumbers(k)[0]?.[0];
          break;
        case 'GPSP':
          sticky.gpsp = readNumbers(k)[0]?.[0];
          break;
        default: {
          if (k.type === '\0' || ['TSMP', 'STMP', 'STNM', 'UNIT', 'SIUN', 'TICK', 'TOCK', 'EMPT'].includes(k.key))
            break;
          this.streams.add(k.key);
          if (!GPS_KEYS.has(k.key)) break;
          const rows = readNumbers(k, scal, type);
          if (rows.length === 0) break; // nothing to keep (a forged payload can hold millions of empty entries)
          const n = (this.rows.get(k.key) ?? 0) + rows.length;
          if (n > this.maxPoints && k.key !== 'SYST') throw tooManyPoints(this.where, this.maxPoints);
          this.rows.set(k.key, n);
          this.blocks.push({ key: k.key, rows, time: payload.time, duration: payload.duration, ...sticky });
        }
      }
    }
  }

  /** The Track from every payload added, preferring GPS9 over GPS5 over the Karma streams. */
  finish(): Track {
    const out = trackFrom(this.blocks, this.streams, this.payloads, this.where);
    if (this.devices.size > 0) out.meta = { ...out.meta, device: [...this.devices].join(',') };
    return out;
  }
}

function fromGps9(blocks: Block[]): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const b of blocks) {
    for (const [lat, lon, alt, speed, , days, secs, dop, fix] of b.rows) {
      if (lat === undefined || lon === undefined || days === undefined || secs === undefined) continue;
      if (fix === 0 || (lat === 0 && lon === 0) || !isValidLatLon(lat, lon)) continue;
      const p: TrackPoint = { t: Math.round(Y2000_MS + days * DAY_MS + secs * 1000), lat, lon };
      if (alt !== undefined) p.alt = alt;
      if (speed !== undefined) p.speed = speed;
      if (dop !== undefined) p.hdop = dop;
      if (fix === 2 || fix === 3) p.fix = fix;
      out.push(p);
    }
  }
  return out;
}

function fromGps5(blocks: Block[]): TrackPoint[] {
  const out: TrackPoint[] = [];
  let anchor: { gpsu: number; time: number } | undefined;
  for (const b of blocks) {
    // A payload without GPSU inherits the last one, advanced by the payload clock.
    if (b.gpsu !== undefined) anchor = { gpsu: b.gpsu, time: b.time };
    if (!anchor || b.gpsf === 0) continue;
    const start = anchor.gpsu + (b.time - anchor.time) * 1000;
    const step = (b.duration * 1000) / Math.max(1, b.rows.length);
    b.rows.forEach(([lat, lon, alt, speed], k) => {
      if (lat === undefined || lon === undefined || (lat === 0 && lon === 0) || !isValidLatLon(lat, lon)) return;
      const p: TrackPoint = { t: Math.round(start + k * step), lat, lon };
      if (alt !== undefined) p.alt = alt;
      if (speed !== undefined) p.speed = speed;
      if (b.gpsp !== undefined) p.hdop = b.gpsp / 100; // GPSP is DOP x100 (gpmf-parser README)
      if (b.gpsf === 2 || b.gpsf === 3) p.fix = b.gpsf;
      out.push(p);
    });
  }
  return out;
}

/** Map a drone system time (s) to Unix ms through SYST pairs: interpolate inside, extrapolate at the ends. */
export function systemToUnix(pairs: [number, number][], sys: number): number {
  const s = pairs;
  let i = 0;
  let j = s.length - 1;
  while (j - i > 1) {
    const m = (i + j) >> 1;
    if (sys < s[m]![0]) j = m;
    else i = m;
  }
  const [x0, y0] = s[i]!;
  const [x1, y1] = s[j]!;
  const t = x1 === x0 ? y0 + (sys - x0) : y0 + ((y1 - y0) * (sys - x0)) / (x1 - x0);
  return Math.round(t * 1000);
}

function fromKarma(key: 'GLPI' | 'GPRI', blocks: Block[], syst: [number, number][]): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const b of blocks) {
    for (const row of b.rows) {
      const [sys, lat, lon, alt] = row;
      if (sys === undefined || lat === undefined || lon === undefined || !isValidLatLon(lat, lon)) continue;
      if (lat === 0 && lon === 0) continue;
      const p: TrackPoint = { t: systemToUnix(syst, sys), lat, lon };
      if (alt !== undefined) p.alt = alt;
      if (key === 'GLPI') {
        // GLPI: time, lat, lon, alt, relative alt, vx, vy, vz (m/s), heading (exiftool GoPro.pm GLPI table)
        const [vx, vy] = [row[5], row[6]];
        if (vx !== undefined && vy !== undefined) p.speed = Math.hypot(vx, vy);
        const h = normHeading(row[8]);
        if (h !== undefined) p.heading = h;
      } else {
        // GPRI: time, lat, lon, alt, ?, ?, speed (m/s), track (deg), fix, satellites
        if (row[8] === 0) continue;
        if (row[6] !== undefined) p.speed = row[6];
        const h = normHeading(row[7]);
        if (h !== undefined) p.heading = h;
        if (row[8] === 2 || row[8] === 3) p.fix = row[8];
        if (row[9] !== undefined) p.satellites = row[9];
      }
      out.push(p);
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Build the Track from all GPMF payloads of a gpmd track; `where` names the file in errors. */
export function gpsFromGpmf(payloads: GpmfPayload[], where: string): Track {
  const collector = new GpmfGpsCollector(where);
  for (const p of payloads) collector.add(p);
  return collector.finish();
}

function trackFrom(blocks: Block[], streams: Set<string>, payloads: number, where: string): Track {
  const of = (key: string) => blocks.filter((b) => b.key === key);
  const syst: [number, number][] = of('SYST')
    .flatMap((b) => b.rows)
    .filter((r): r is [number, number] => r.length >= 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]))
    .map((r) => [r[0], r[1]] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  let key: string;
  let points: TrackPoint[];
  if (of('GPS9').length > 0) [key, points] = ['GPS9', fromGps9(of('GPS9'))];
  else if (of('GPS5').length > 0) [key, points] = ['GPS5', fromGps5(of('GPS5'))];
  else if (of('GLPI').length > 0 || of('GPRI').length > 0) {
    key = of('GLPI').length > 0 ? 'GLPI' : 'GPRI';
    if (syst.length === 0) {
      throw invalid('gpmf_no_time', `${where}: GPMF has ${key} positions but no SYST stream to date them`);
    }
    points = fromKarma(key as 'GLPI' | 'GPRI', of(key), syst);
  } else {
    const found = [...streams].sort().join(', ') || 'none';
    throw invalid(
      'gpmf_no_gps',
      `${where}: GPMF track has no GPS stream (GPS5, GPS9, GLPI or GPRI) in ${payloads} payloads; ` +
        `streams found: ${found}`,
      { streams: [...streams] },
    );
  }
  if (points.length === 0) {
    throw invalid('gpmf_no_fix', `${where}: GPMF ${key} stream has no sample with a GPS fix (GPSF 0 or lat/lon 0)`);
  }
  const meta: Record<string, string> = {
    gpsStream: key,
    streams: [...streams].sort().join(','),
    payloads: String(payloads),
  };
  return { format: 'gpmf', points, meta };
}
