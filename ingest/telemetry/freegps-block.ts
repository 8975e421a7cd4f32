/**
 * Decoders of one Novatek `freeGPS ` block (a 32 KiB block, usually one a second, starting with its 4-byte size and
 * the signature), per the layouts exiftool's QuickTimeStream.pl documents (ProcessFreeGPS, ProcessFreeGPS2):
 * - `viofo`: binary Viofo A119 layout: int32 LE time fields at 0x30, status/refs at 0x48, float32 DDMM.MMMM at 0x4c.
 * - `iqs`: its "IQS" variant (int32 degrees x 1e7, speed in m/s x 100).
 * - `nextbase-nmea`: NMEA text (Nextbase 512GW: the camera's date-time digits at 52, `$GPRMC`/`$GPGGA` further in).
 * - `nextbase-binary`: Nextbase 512G: big-endian 32-byte records from 0x30, each u16 (unknown), u16 speed m/s x 100,
 *   int16 heading x 100, u16 year, u8 month, day, hour, minute, u16 seconds x 10, u8 (unknown), int32 latitude and
 *   longitude x 1e7; records follow until one fails the date check.
 * Encrypted variants (Azdome's XOR-0xAA ASCII, the "ATC" ring buffers) are not read: no published layout is
 * complete enough to check a fix against.
 */
import type { TrackPoint } from '../../core/index.ts';
import { NmeaParser } from './nmea.ts';
import { isValidLatLon, KNOTS_TO_MPS, normHeading } from './parse-values.ts';

export const SIGNATURE = 'freeGPS ';
export const MIN_BLOCK_BYTES = 92;
const NEXTBASE_RECORD = 0x20;

/** The layouts read (see the file comment). */
export type FreeGpsLayout = 'viofo' | 'iqs' | 'nextbase-nmea' | 'nextbase-binary';

/** What one block holds: its layout and the fixes in it (none when the receiver had no lock). */
export interface FreeGpsBlock {
  layout: FreeGpsLayout | undefined;
  points: TrackPoint[];
}

/** `n` bytes at `at` as latin1 text. */
export const ascii = (b: Uint8Array, at: number, n: number): string => {
  let s = '';
  for (let i = 0; i < n && at + i < b.length; i++) s += String.fromCharCode(b[at + i] ?? 0);
  return s;
};

/** DDDMM.MMMM (NMEA-style degrees and minutes in one number) to decimal degrees. */
function ddmmToDegrees(v: number): number {
  const deg = Math.trunc(v / 100);
  return deg + (v - deg * 100) / 60;
}

/** Decode one `freeGPS ` block (starting at its 4-byte size field) into its fixes. */
export function decodeFreeGps(block: Uint8Array): FreeGpsBlock {
  const none: FreeGpsBlock = { layout: undefined, points: [] };
  if (block.length < MIN_BLOCK_BYTES || ascii(block, 4, 8) !== SIGNATURE) return none;
  if (block[12] === 0x05) return none; // Azdome's encrypted ASCII
  const text = ascii(block, 0, Math.min(block.length, 1024));
  if (/\$[A-Z]{2}(RMC|GGA),/.test(text)) {
    const p = decodeNmeaBlock(text);
    return { layout: 'nextbase-nmea', points: p ? [p] : [] };
  }
  if ('NS'.includes(ascii(block, 0x49, 1) || '?') && 'EW'.includes(ascii(block, 0x4a, 1) || '?')) {
    const p = decodeViofo(block);
    return { layout: ascii(block, 16, 3) === 'IQS' ? 'iqs' : 'viofo', points: p ? [p] : [] };
  }
  const records = decodeNextbaseRecords(block);
  return records.length > 0 ? { layout: 'nextbase-binary', points: records } : none;
}

/** The first fix of a `freeGPS ` block, or undefined without one. */
export function decodeFreeGpsBlock(block: Uint8Array): TrackPoint | undefined {
  return decodeFreeGps(block).points[0];
}

function decodeViofo(block: Uint8Array): TrackPoint | undefined {
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const u = (at: number) => dv.getUint32(at, true);
  const [hour, minute, second, year, month, day] = [u(0x30), u(0x34), u(0x38), u(0x3c), u(0x40), u(0x44)];
  const [status, latRef, lonRef] = [ascii(block, 0x48, 1), ascii(block, 0x49, 1), ascii(block, 0x4a, 1)];
  if (status !== 'A') return undefined;
  if (hour > 23 || minute > 59 || second > 60 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const t = Date.UTC(year < 2000 ? year + 2000 : year, month - 1, day, hour, minute, second);
  let lat: number;
  let lon: number;
  let speed: number;
  let heading: number | undefined;
  if (ascii(block, 16, 3) === 'IQS') {
    lat = Math.abs(dv.getInt32(0x4c, true)) / 1e7;
    lon = Math.abs(dv.getInt32(0x50, true)) / 1e7;
    speed = dv.getInt32(0x54, true) / 100;
  } else {
    lat = ddmmToDegrees(dv.getFloat32(0x4c, true));
    lon = ddmmToDegrees(dv.getFloat32(0x50, true));
    speed = dv.getFloat32(0x54, true) * KNOTS_TO_MPS;
    heading = normHeading(dv.getFloat32(0x58, true));
  }
  if (latRef === 'S') lat = -lat;
  if (lonRef === 'W') lon = -lon;
  if (!Number.isFinite(t) || !isValidLatLon(lat, lon) || !(speed >= 0)) return undefined;
  const p: TrackPoint = { t, lat, lon, speed, fix: 2 };
  if (heading !== undefined && Number.isFinite(heading)) p.heading = heading;
  return p;
}

function decodeNmeaBlock(text: string): TrackPoint | undefined {
  const parser = new NmeaParser();
  for (const line of text.split(/[\r\n\0]+/)) if (line.includes('$')) parser.pushLine(line.slice(line.indexOf('$')));
  try {
    return parser.finish().points[0];
  } catch {
    return undefined; // a block written before the receiver had a fix
  }
}

/** Nextbase 512G records (see the file comment), in order, until the first that fails the date and range checks. */
function decodeNextbaseRecords(block: Uint8Array): TrackPoint[] {
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const out: TrackPoint[] = [];
  for (let at = 0x30; at + NEXTBASE_RECORD <= block.length; at += NEXTBASE_RECORD) {
    const year = dv.getUint16(at + 6);
    const [month, day, hour, minute] = [at + 8, at + 9, at + 10, at + 11].map((o) => dv.getUint8(o)) as number[];
    const tenths = dv.getUint16(at + 12);
    if (year < 2000 || year > 2200 || month! < 1 || month! > 12 || day! < 1 || day! > 31) break;
    if (hour! > 23 || minute! > 59 || tenths > 600) break;
    const lat = dv.getInt32(at + 15) / 1e7;
    const lon = dv.getInt32(at + 19) / 1e7;
    if (!isValidLatLon(lat, lon)) break;
    if (lat === 0 && lon === 0) continue; // a record written before the receiver had a fix
    const t = Date.UTC(year, month! - 1, day!, hour!, minute!) + tenths * 100;
    const p: TrackPoint = { t, lat, lon, speed: dv.getUint16(at + 2) / 100 };
    const heading = normHeading(dv.getInt16(at + 4) / 100);
    if (heading !== undefined) p.heading = heading;
    out.push(p);
  }
  return out;
}
