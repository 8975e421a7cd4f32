/**
 * EXIF GPS of an image sequence, through `exifr`: one point per image, sorted by time.
 * Time: GPSDateStamp + GPSTimeStamp (UTC by the EXIF 2.3 definition) when present; else DateTimeOriginal with
 * OffsetTimeOriginal; else DateTimeOriginal read as UTC (cameras store local time without a zone; `meta.localTimes`
 * counts such images). Position: the EXIF GPS IFD, else XMP `exif:GPSLatitude` ("DDD,MM.mmmmK" per XMP spec part 2
 * section 1.2.6.7), which some editors (Adobe) write instead. Images with no position or no time are skipped and
 * counted; none left is an `exif_no_gps` error naming the files.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { isValidLatLon, KMH_TO_MPS, KNOTS_TO_MPS, normHeading, num } from './parse-values.ts';

type Tags = Record<string, unknown>;

const OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  xmp: true,
  ifd1: false,
  interop: false,
  icc: false,
  iptc: false,
  jfif: false,
  makerNote: false,
  userComment: false,
  // Revived dates would be built in the host's local zone; we parse the strings ourselves.
  reviveValues: false,
  translateValues: false,
  mergeOutput: true,
};

/** File extensions treated as images when a directory is read. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.heic', '.heif', '.webp']);

/** A rational or number as exifr/XMP give it: 70.3, "136169/100", [70.3]. */
function rational(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(v);
    if (m) return Number(m[2]) === 0 ? undefined : Number(m[1]) / Number(m[2]);
    return num(v);
  }
  return undefined;
}

/** First byte of a value exifr returns as a number, a string or a byte object ({0: 1}). */
function byte0(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return num(v);
  if (v && typeof v === 'object') {
    const first = (v as Record<string, unknown>)['0'];
    return typeof first === 'number' ? first : undefined;
  }
  return undefined;
}

/** XMP GPS coordinate "DDD,MM.mmmmK" or "DDD,MM,SSK" to signed degrees. */
export function parseXmpCoord(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$/i.exec(v);
  if (!m) return undefined;
  const deg = Number(m[1]) + Number(m[2]) / 60 + Number(m[3] ?? 0) / 3600;
  return /[SW]/i.test(m[4]!) ? -deg : deg;
}

function exifDate(v: unknown): [number, number, number] | undefined {
  const m = typeof v === 'string' ? /^(\d{4})[:-](\d{2})[:-](\d{2})/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Pick the image time (Unix ms) and say whether it is a zone-less local time. */
function imageTime(tags: Tags): { t: number; local: boolean } | undefined {
  const date = exifDate(tags['GPSDateStamp']);
  const ts = tags['GPSTimeStamp'];
  if (date && Array.isArray(ts) && ts.length === 3) {
    const [h, mi, s] = ts.map(Number) as [number, number, number];
    const t = Date.UTC(date[0], date[1] - 1, date[2], h, mi) + s * 1000;
    if (Number.isFinite(t)) return { t: Math.round(t), local: false };
  }
  const dto = tags['DateTimeOriginal'] ?? tags['CreateDate'];
  const m = typeof dto === 'string' ? /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(dto) : null;
  if (!m) return undefined;
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const off =
    typeof tags['OffsetTimeOriginal'] === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(tags['OffsetTimeOriginal']) : null;
  if (off) t -= (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3])) * 60_000;
  return Number.isFinite(t) ? { t, local: !off } : undefined;
}

function speedOf(tags: Tags): number | undefined {
  const v = rational(tags['GPSSpeed']);
  if (v === undefined) return undefined;
  const ref = tags['GPSSpeedRef'];
  // EXIF 2.3 GPSSpeedRef: K = km/h (default), M = mph, N = knots.
  return ref === 'M' ? v * 0.44704 : ref === 'N' ? v * KNOTS_TO_MPS : v * KMH_TO_MPS;
}

const PNG_MAGIC = '89504e470d0a1a0a';
// Bound the chunk walk: a PNG has a handful of metadata chunks before and after IDAT.
const MAX_PNG_CHUNKS = 10_000;

/**
 * The TIFF bytes of a PNG `eXIf` chunk (PNG 1.5 extension, section 3.7). exifr 7 stops at the image data, so an
 * eXIf chunk written after IDAT (as exiftool does) is missed; we find it with positioned reads of chunk headers.
 */
export async function pngExifChunk(file: string): Promise<Uint8Array | undefined> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (head.toString('hex') !== PNG_MAGIC) return undefined;
    for (let at = 8, n = 0; at + 8 <= size && n < MAX_PNG_CHUNKS; n++) {
      await fh.read(head, 0, 8, at);
      const len = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (at + 12 + len > size) return undefined;
      if (type === 'eXIf') {
        const body = Buffer.alloc(len);
        await fh.read(body, 0, len, at + 8);
        return body;
      }
      at += 12 + len;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

async function readTags(file: string): Promise<Tags | undefined> {
  const tags = (await exifr.parse(file, OPTIONS)) as Tags | undefined;
  if (tags && typeof tags['latitude'] === 'number') return tags;
  const exif = await pngExifChunk(file);
  if (!exif) return tags;
  const fromChunk = (await exifr.parse(Buffer.from(exif), OPTIONS)) as Tags | undefined;
  return fromChunk ? { ...tags, ...fromChunk } : tags;
}

/** Read one image; `undefined` with a reason when it has no usable position or time. */
export async function readExifPoint(file: string): Promise<{ point?: TrackPoint; local?: boolean; reason?: string }> {
  let tags: Tags | undefined;
  try {
    tags = await readTags(file);
  } catch (e) {
    return { reason: `unreadable (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!tags) return { reason: 'no EXIF/XMP metadata' };
  const lat = typeof tags['latitude'] === 'number' ? tags['latitude'] : parseXmpCoord(tags['GPSLatitude']);
  const lon = typeof tags['longitude'] === 'number' ? tags['longitude'] : parseXmpCoord(tags['GPSLongitude']);
  if (lat === undefined || lon === undefined || !isValidLatLon(lat, lon) || (lat === 0 && lon === 0)) {
    return { reason: 'no GPS position' };
  }
  const time = imageTime(tags);
  if (!time) return { reason: 'no GPS time stamp or DateTimeOriginal' };
  const point: TrackPoint = { t: time.t, lat, lon };
  const alt = rational(tags['GPSAltitude']);
  if (alt !== undefined) point.alt = byte0(tags['GPSAltitudeRef']) === 1 ? -alt : alt;
  const speed = speedOf(tags);
  if (speed !== undefined) point.speed = speed;
  const heading = normHeading(rational(tags['GPSTrack']));
  if (heading !== undefined) point.heading = heading;
  const dop = rational(tags['GPSDOP']);
  if (dop !== undefined) point.hdop = dop;
  const sats = num(typeof tags['GPSSatellites'] === 'string' ? tags['GPSSatellites'] : undefined);
  if (sats !== undefined) point.satellites = sats;
  const mode = tags['GPSMeasureMode'];
  if (mode === '2' || mode === '3') point.fix = mode === '2' ? 2 : 3;
  return { point, local: time.local };
}

/** Read the EXIF GPS of several images into one Track sorted by time. */
export async function readExifSequence(files: string[]): Promise<Track> {
  const points: TrackPoint[] = [];
  const skipped: string[] = [];
  let local = 0;
  for (const file of files) {
    const r = await readExifPoint(file);
    if (r.point) {
      points.push(r.point);
      if (r.local) local++;
    } else skipped.push(`${path.basename(file)}: ${r.reason}`);
  }
  if (points.length === 0) {
    throw invalid(
      'exif_no_gps',
      `no image with EXIF GPS position and time among ${files.length}: ${skipped.join('; ')}`,
      {
        skipped,
      },
    );
  }
  points.sort((a, b) => a.t - b.t);
  const meta: Record<string, string> = { images: String(files.length), localTimes: String(local) };
  if (skipped.length > 0) meta['skipped'] = skipped.join('; ');
  return { format: 'exif', points, meta };
}

/** Read every image file (by extension) of a directory as one sequence. */
export async function readExifDirectory(dir: string): Promise<Track> {
  if (!(await stat(dir)).isDirectory()) return readExifSequence([dir]);
  const names = (await readdir(dir)).filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  return readExifSequence(names.map((n) => path.join(dir, n)));
}
