/**
 * GPS that dashcams keep inside their MP4 files outside any standard track, per the layouts exiftool documents in
 * `QuickTimeStream.pl` (ProcessFreeGPS / ProcessFreeGPS2) and mapillary_tools' `blackvue_parser`:
 * - **Novatek `freeGPS ` blocks** (Viofo, Kenwood, 70mai and many unbranded cameras): 32 KiB blocks, usually one a
 *   second, stored in `mdat` as boxes of type `free` whose payload starts with `GPS `. `moov/gps ` (the "GPS data
 *   list") holds a big-endian (offset, size) pair per block after an 8-byte version/count header; cameras without it
 *   are found by scanning the file for the `freeGPS ` signature. Three payload layouts are read:
 *   binary (Viofo A119: int32 LE time fields at 0x30, status/refs at 0x48, float32 DDMM.MMMM at 0x4c), its
 *   "IQS" variant (int32 degrees x 1e7), and NMEA text (Nextbase: `$GPRMC`/`$GPGGA` inside the block).
 * - **BlackVue**: a top-level `free` box with a `gps ` child holding NMEA lines, each prefixed by the camera's Unix
 *   time in milliseconds in brackets (`[1568810453123]$GPRMC,...`).
 * Encrypted variants (Azdome's XOR-0xAA ASCII, the "ATC" ring buffers) are not read: no published layout is
 * complete enough to check a fix against.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import type { ByteSource } from './byte-source.ts';
import { type Box, children } from './mp4.ts';
import { NmeaParser } from './nmea.ts';
import { isValidLatLon, KNOTS_TO_MPS, normHeading } from './parse-values.ts';

const SIGNATURE = 'freeGPS ';
// A Novatek block is 0x8000 bytes; anything larger than 64 KiB is not one, whatever the gps list says.
const MAX_BLOCK_BYTES = 64 << 10;
const MIN_BINARY_BLOCK = 92;
// At most one block per 0.1 s for 24 h: far above any camera, far below what would exhaust memory.
const MAX_BLOCKS = 864_000;
const SCAN_CHUNK = 1 << 20;
// BlackVue writes ~10 lines a second; 64 MiB of NMEA text is days of driving.
const MAX_BLACKVUE_GPS_BYTES = 64 << 20;

const ascii = (b: Uint8Array, at: number, n: number): string => {
  let s = '';
  for (let i = 0; i < n && at + i < b.length; i++) s += String.fromCharCode(b[at + i] ?? 0);
  return s;
};

/** DDDMM.MMMM (NMEA-style degrees and minutes in one number) to decimal degrees. */
function ddmmToDegrees(v: number): number {
  const deg = Math.trunc(v / 100);
  return deg + (v - deg * 100) / 60;
}

/** Decode one `freeGPS ` block (starting at its 4-byte size field); `undefined` for a block without a valid fix. */
export function decodeFreeGpsBlock(block: Uint8Array): TrackPoint | undefined {
  if (block.length < MIN_BINARY_BLOCK || ascii(block, 4, 8) !== SIGNATURE) return undefined;
  if (block[12] === 0x05) return undefined; // Azdome's encrypted ASCII
  const text = ascii(block, 0, Math.min(block.length, 1024));
  if (/\$[A-Z]{2}(RMC|GGA),/.test(text)) return decodeNmeaBlock(text);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const u = (at: number) => dv.getUint32(at, true);
  const [hour, minute, second, year, month, day] = [u(0x30), u(0x34), u(0x38), u(0x3c), u(0x40), u(0x44)];
  const status = ascii(block, 0x48, 1);
  const latRef = ascii(block, 0x49, 1);
  const lonRef = ascii(block, 0x4a, 1);
  if (status !== 'A' || !'NS'.includes(latRef) || !'EW'.includes(lonRef) || !latRef || !lonRef) return undefined;
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

/** The (offset, size) pairs of `moov/gps `, or undefined when the movie has no such list. */
async function gpsDataList(src: ByteSource, moov: Box): Promise<Array<[number, number]> | undefined> {
  const list = (await children(src, moov.body, moov.end, 'moov')).find((b) => b.type === 'gps ');
  if (!list || list.end - list.body < 8) return undefined;
  const body = await src.read(list.body, list.end - list.body);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = Math.floor((body.length - 8) / 8);
  if (n > MAX_BLOCKS) throw invalid('telemetry_too_large', `${src.name}: moov/gps lists ${n} GPS blocks`);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) out.push([dv.getUint32(8 + 8 * i), dv.getUint32(12 + 8 * i)]);
  return out;
}

/** Offsets of every `freeGPS ` signature in the file, read in 1 MiB chunks (for cameras without a gps list). */
async function scanForBlocks(src: ByteSource): Promise<number[]> {
  const found: number[] = [];
  const overlap = SIGNATURE.length - 1;
  for (let at = 0; at < src.size; at += SCAN_CHUNK) {
    const len = Math.min(SCAN_CHUNK + overlap, src.size - at);
    const chunk = Buffer.from(await src.read(at, len));
    for (let i = chunk.indexOf(SIGNATURE, 0, 'latin1'); i >= 0; i = chunk.indexOf(SIGNATURE, i + 1, 'latin1')) {
      if (i >= SCAN_CHUNK) break; // seen again at the start of the next chunk
      if (at + i >= 4) found.push(at + i - 4);
      if (found.length > MAX_BLOCKS) throw invalid('telemetry_too_large', `${src.name}: over ${MAX_BLOCKS} GPS blocks`);
    }
  }
  return found;
}

/** Novatek GPS of an MP4, from its gps list or else a scan; undefined when the file holds no `freeGPS ` block. */
export async function readNovatekGps(src: ByteSource, top: Box[]): Promise<Track | undefined> {
  const moov = top.find((b) => b.type === 'moov');
  const listed = moov ? await gpsDataList(src, moov) : undefined;
  const blocks = listed ?? (await scanForBlocks(src)).map((o): [number, number] => [o, 0x8000]);
  if (blocks.length === 0) return undefined;
  const points: TrackPoint[] = [];
  let seen = 0;
  let nextFree = 0;
  for (const [offset, declared] of blocks) {
    const size = Math.min(declared, MAX_BLOCK_BYTES, src.size - offset);
    // Blocks must follow each other without overlap, so a forged list cannot make us read the same bytes again and
    // again: all blocks together read at most the file once.
    if (offset < nextFree || offset >= src.size || size < MIN_BINARY_BLOCK) continue;
    const block = await src.read(offset, size);
    if (ascii(block, 4, 8) !== SIGNATURE) continue;
    // The block's own box size, when smaller, is where the next one may start.
    const own = new DataView(block.buffer, block.byteOffset, 4).getUint32(0);
    nextFree = offset + (own >= MIN_BINARY_BLOCK && own < size ? own : size);
    seen++;
    const p = decodeFreeGpsBlock(block);
    // A block repeats the last fix until the next second: keep one point per time.
    if (p && (points.length === 0 || p.t !== points[points.length - 1]!.t)) points.push(p);
  }
  if (seen === 0) return undefined;
  if (points.length === 0) {
    throw invalid('gps_no_fix', `${src.name}: ${seen} Novatek GPS blocks, none with a valid fix (no satellite lock?)`);
  }
  return { format: 'novatek', points, meta: { source: listed ? 'moov/gps' : 'mdat scan', blocks: String(seen) } };
}

/** BlackVue's NMEA log (`free/gps `); undefined when the file has none. */
export async function readBlackVueGps(src: ByteSource, top: Box[]): Promise<Track | undefined> {
  for (const free of top.filter((b) => b.type === 'free')) {
    const gps = (await children(src, free.body, free.end, 'free').catch(() => [])).find((b) => b.type === 'gps ');
    if (!gps) continue;
    const len = gps.end - gps.body;
    if (len > MAX_BLACKVUE_GPS_BYTES) {
      throw invalid('telemetry_too_large', `${src.name}: BlackVue GPS log of ${len} bytes`);
    }
    const text = Buffer.from(await src.read(gps.body, len)).toString('latin1');
    if (!/\$[A-Z]{2}(RMC|GGA),/.test(text)) continue; // another maker's `gps ` box (Novatek keeps its list in moov)
    const parser = new NmeaParser();
    for (const line of text.split(/\r?\n|\0+/)) {
      const at = line.indexOf('$');
      if (at >= 0) parser.pushLine(line.slice(at));
    }
    const track = parser.finish();
    return { ...track, format: 'blackvue', meta: { ...track.meta, source: 'free/gps' } };
  }
  return undefined;
}

/** Any dashcam GPS this module reads, or undefined: BlackVue first (its box is cheap to find), then Novatek. */
export async function readDashcamGps(src: ByteSource): Promise<Track | undefined> {
  const top = await children(src, 0, src.size, '');
  return (await readBlackVueGps(src, top)) ?? (await readNovatekGps(src, top));
}
