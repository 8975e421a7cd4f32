/**
 * Telemetry readers: one entry point, `readTrack`, that sniffs the format from the content and dispatches, plus
 * every reader on its own. Each returns a normalised `Track` or throws a `MapmintError`.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MapmintError, type Track, type TrackFormat } from '../../core/index.ts';
import { readCsvFile } from './csv.ts';
import { looksLikeDjiSrt, parseDjiSrt } from './dji-srt.ts';
import { readExifDirectory } from './exif.ts';
import { readGpxFile } from './gpx.ts';
import { parseJson } from './json.ts';
import { type TelemetryLimits, telemetryLimits, tooManyPoints } from './limits.ts';
import { readMp4Telemetry } from './mp4-telemetry.ts';
import { readNmeaFile } from './nmea.ts';

export { type ByteSource, bufferSource, openFileSource } from './byte-source.ts';
export { gpsFromCamm, gpsSecondsToUnixMs } from './camm.ts';
export { parseCsv, parseCsvTracks, readCsvFile, readCsvFileTracks } from './csv.ts';
export { readDashcamGps, SCAN_FIRST_BLOCK_WITHIN } from './dashcam-gps.ts';
export { djiCuesToTrack, parseDjiSrt, parseSrtCues } from './dji-srt.ts';
export { readExifDirectory, readExifPoint, readExifSequence } from './exif.ts';
export { decodeFreeGps, decodeFreeGpsBlock } from './freegps-block.ts';
export { decodePndm } from './garmin-pndm.ts';
export { parseKlv } from './gpmf.ts';
export { gpsFromGpmf } from './gpmf-gps.ts';
export { type GpxOptions, parseGpx, readGpxFile } from './gpx.ts';
export { parseJson } from './json.ts';
export { type TelemetryLimits, telemetryLimits } from './limits.ts';
export { readMovie } from './mp4.ts';
export { readMp4Telemetry, readMp4TelemetrySource } from './mp4-telemetry.ts';
export { NmeaParser, parseNmea, readNmeaFile } from './nmea.ts';
export { decodeRtmd } from './sony-rtmd.ts';

/** Input of `readTrack`: a file (or, for EXIF, a directory of images) and an optional format to skip sniffing. */
export interface TrackInput {
  path: string;
  format?: TrackFormat;
  /** Overrides of the size limits (default `telemetryLimits()`: environment, then built-in). */
  limits?: Partial<TelemetryLimits>;
}

/** Every format readTrack reads, for the messages that refuse a file. */
export const FORMATS_READ =
  'GPX, NMEA, DJI SRT, CSV, JSON, an image with EXIF, or an MP4/MOV with GoPro GPMF (GPS5, GPS9, Karma), Google ' +
  'CAMM, Sony rtmd, Garmin or DJI subtitle telemetry, Novatek/Nextbase freeGPS or BlackVue GPS';

const SNIFF_BYTES = 4096;
const EXT: Record<string, TrackFormat> = {
  '.gpx': 'gpx',
  '.nmea': 'nmea',
  '.log': 'nmea',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.srt': 'dji-srt',
  '.json': 'json',
  '.geojson': 'json',
  '.mp4': 'gpmf',
  '.mov': 'gpmf',
  '.jpg': 'exif',
  '.jpeg': 'exif',
  '.png': 'exif',
};

/** Guess the format from the first bytes; the extension only breaks ties. `undefined` when nothing fits. */
export function sniffFormat(head: Uint8Array, fileName = ''): TrackFormat | undefined {
  const ascii = Buffer.from(head).toString('latin1');
  const box = ascii.slice(4, 8);
  if (box === 'ftyp') {
    const brand = ascii.slice(8, 12);
    // HEIF/AVIF stills are ISO-BMFF too; their GPS is EXIF, not a telemetry track.
    return ['heic', 'heix', 'mif1', 'avif'].includes(brand) ? 'exif' : 'gpmf';
  }
  if (['moov', 'mdat', 'free', 'wide', 'skip'].includes(box)) return 'gpmf';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'exif';
  if (ascii.startsWith('\x89PNG') || ascii.startsWith('II*\0') || ascii.startsWith('MM\0*')) return 'exif';
  const text = ascii.replace(/^\xef\xbb\xbf/, '').trimStart();
  if (text.startsWith('<') && /<gpx[\s>]/.test(ascii)) return 'gpx';
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  if (/\$[A-Z]{2}(RMC|GGA|VTG|GSA|GSV|GLL|ZDA|TXT),/.test(ascii)) return 'nmea';
  if (looksLikeDjiSrt(text)) return 'dji-srt';
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (/[,;\t]/.test(firstLine) && /lat|lon|geometry|wkt/i.test(firstLine)) return 'csv';
  return EXT[path.extname(fileName).toLowerCase()];
}

/** The first bytes of a file, as much as format sniffing looks at. */
export async function readHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A sidecar parsed whole (JSON, DJI SRT), refused above `maxBytes` before anything is read. */
async function readWholeSidecar(file: string, maxBytes: number): Promise<Buffer> {
  const { size } = await stat(file);
  if (size > maxBytes) {
    throw new MapmintError(
      'too_large',
      'telemetry_too_large',
      `${file}: ${size} bytes is above the ${maxBytes}-byte limit for a JSON or SRT sidecar: send the track as GPX ` +
        'or CSV, which are read as a stream, or split the drive',
      { size, maxBytes },
    );
  }
  return readFile(file);
}

/** Read any supported telemetry file (or image directory) into a Track, sniffing the format unless given. */
export async function readTrack(input: TrackInput): Promise<Track> {
  const file = input.path;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new MapmintError('not_found', 'telemetry_not_found', `${file}: cannot read (${msg})`);
  }
  const format = input.format ?? (info.isDirectory() ? 'exif' : sniffFormat(await readHead(file), file));
  const limits = telemetryLimits(input.limits);
  const { maxPoints } = limits;
  const capped = (track: Track): Track => {
    if (track.points.length > maxPoints) throw tooManyPoints(file, maxPoints);
    return track;
  };
  switch (format) {
    case 'gpx':
      return readGpxFile(file, { maxPoints });
    case 'nmea':
      return readNmeaFile(file, { maxPoints });
    case 'gpmf':
    case 'camm':
    case 'sony-rtmd':
      return readMp4Telemetry(file, format, maxPoints);
    case 'novatek':
    case 'nextbase':
    case 'blackvue':
    case 'garmin':
      return readMp4Telemetry(file, undefined, maxPoints);
    case 'csv':
      return readCsvFile(file, { maxPoints });
    case 'json':
      return parseJson(await readWholeSidecar(file, limits.maxWholeFileBytes), file, { maxPoints });
    case 'dji-srt':
      return capped(parseDjiSrt(await readWholeSidecar(file, limits.maxWholeFileBytes), file));
    case 'exif':
      return capped(await readExifDirectory(file));
    default:
      throw new MapmintError(
        'unsupported_media',
        'telemetry_unknown_format',
        `${file}: not ${FORMATS_READ}; pass format to force one`,
      );
  }
}
