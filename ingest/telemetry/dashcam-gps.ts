/**
 * GPS that dashcams keep inside their MP4 files outside any standard track, per the layouts exiftool documents in
 * `QuickTimeStream.pl` (ProcessFreeGPS / ProcessFreeGPS2 / ScanMediaData) and mapillary_tools' `blackvue_parser`:
 * - **Novatek `freeGPS ` blocks** (Viofo, Kenwood, 70mai, Nextbase and many unbranded cameras; block layouts in
 *   freegps-block.ts), stored in `mdat` as boxes of type `free`. `moov/gps ` (the "GPS data list") holds a
 *   big-endian (offset, size) pair per block after an 8-byte version/count header; cameras without it are found by
 *   scanning for the `freeGPS ` signature from the start of `mdat`.
 * - **BlackVue**: a top-level `free` box with a `gps ` child holding NMEA lines, each prefixed by the camera's Unix
 *   time in milliseconds in brackets (`[1568810453123]$GPRMC,...`).
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import type { ByteSource } from './byte-source.ts';
import { decodeFreeGps, type FreeGpsLayout, MIN_BLOCK_BYTES, SIGNATURE, ascii as text } from './freegps-block.ts';
import { tooManyPoints } from './limits.ts';
import { type Box, children, type Mp4Movie } from './mp4.ts';
import { NmeaParser } from './nmea.ts';

// A Novatek block is 0x8000 bytes; anything larger than 64 KiB is not one, whatever the gps list says.
const MAX_BLOCK_BYTES = 64 << 10;
// At most one block per 0.1 s for 24 h: far above any camera, far below what would exhaust memory.
const MAX_BLOCKS = 864_000;
const CHUNK = 1 << 20;
/**
 * A scan for blocks gives up when the first `freeGPS ` signature is not within this many bytes of the start of
 * `mdat`: cameras interleave a block a second with the video from the start (exiftool found the first within 2 MB
 * in all its samples and stops at 20 MB, ScanMediaData), so a video without GPS costs 20 MiB of reading, not the
 * whole file. Once blocks are found the scan runs to the end of the file, since they continue throughout.
 */
export const SCAN_FIRST_BLOCK_WITHIN = 20 << 20;
// BlackVue writes ~10 lines a second; 64 MiB of NMEA text is days of driving.
const MAX_BLACKVUE_GPS_BYTES = 64 << 20;

/** The (offset, size) pairs of `moov/gps `, streamed in 1 MiB chunks; undefined when the movie has no such list. */
function gpsDataList(src: ByteSource, moov: Box[]): AsyncGenerator<[number, number]> | undefined {
  const list = moov.find((b) => b.type === 'gps ');
  if (!list || list.end - list.body < 8) return undefined;
  const holds = Math.floor((list.end - list.body - 8) / 8);
  if (holds > MAX_BLOCKS) {
    throw invalid('telemetry_too_large', `${src.name}: moov/gps lists ${holds} GPS blocks, above ${MAX_BLOCKS}`);
  }
  return (async function* () {
    // The declared count, bounded by what the box holds (exiftool does the same).
    const head = await src.read(list.body, 8);
    const declared = new DataView(head.buffer, head.byteOffset, 8).getUint32(4);
    const n = Math.min(declared, holds);
    for (let i = 0; i < n; i += CHUNK / 8) {
      const count = Math.min(CHUNK / 8, n - i);
      const b = await src.read(list.body + 8 + 8 * i, 8 * count);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let k = 0; k < count; k++) yield [dv.getUint32(8 * k), dv.getUint32(8 * k + 4)];
    }
  })();
}

/** Offsets of `freeGPS ` signatures from `start`, in 1 MiB chunks, within the window of SCAN_FIRST_BLOCK_WITHIN. */
async function* scanForBlocks(src: ByteSource, start: number): AsyncGenerator<[number, number]> {
  const overlap = SIGNATURE.length - 1;
  let found = 0;
  for (let at = start; at < src.size; at += CHUNK) {
    if (found === 0 && at - start >= SCAN_FIRST_BLOCK_WITHIN) return;
    const chunk = Buffer.from(await src.read(at, Math.min(CHUNK + overlap, src.size - at)));
    for (let i = chunk.indexOf(SIGNATURE, 0, 'latin1'); i >= 0; i = chunk.indexOf(SIGNATURE, i + 1, 'latin1')) {
      if (i >= CHUNK) break; // seen again at the start of the next chunk
      if (at + i < 4) continue;
      if (++found > MAX_BLOCKS) throw invalid('telemetry_too_large', `${src.name}: over ${MAX_BLOCKS} GPS blocks`);
      yield [at + i - 4, 0x8000];
    }
  }
}

/** Novatek/Nextbase GPS of an MP4, from its gps list or else a scan; undefined when it holds no `freeGPS ` block. */
export async function readNovatekGps(src: ByteSource, movie: Mp4Movie, maxPoints: number): Promise<Track | undefined> {
  const listed = gpsDataList(src, movie.moov);
  const mdat = movie.top.find((b) => b.type === 'mdat');
  const blocks = listed ?? scanForBlocks(src, mdat?.body ?? 0);
  const points: TrackPoint[] = [];
  const layouts = new Set<FreeGpsLayout>();
  let seen = 0;
  let nextFree = 0;
  for await (const [offset, declared] of blocks) {
    const size = Math.min(declared, MAX_BLOCK_BYTES, src.size - offset);
    // Blocks must follow each other without overlap, so a forged list cannot make us read the same bytes again and
    // again: all blocks together read at most the file once.
    if (offset < nextFree || offset >= src.size || size < MIN_BLOCK_BYTES) continue;
    const block = await src.read(offset, size);
    if (text(block, 4, 8) !== SIGNATURE) continue;
    // The block's own box size, when smaller, is where the next one may start.
    const own = new DataView(block.buffer, block.byteOffset, 4).getUint32(0);
    nextFree = offset + (own >= MIN_BLOCK_BYTES && own < size ? own : size);
    seen++;
    const { layout, points: fixes } = decodeFreeGps(block);
    if (layout) layouts.add(layout);
    // A block repeats the last fix until the next second: keep one point per time.
    for (const p of fixes) {
      if (points.length > 0 && p.t <= points[points.length - 1]!.t) continue;
      if (points.length >= maxPoints) throw tooManyPoints(src.name, maxPoints);
      points.push(p);
    }
  }
  if (seen === 0) return undefined;
  if (points.length === 0) {
    throw invalid('gps_no_fix', `${src.name}: ${seen} Novatek GPS blocks, none with a valid fix (no satellite lock?)`);
  }
  const layout = [...layouts].join(',');
  return {
    format: layout.startsWith('nextbase') ? 'nextbase' : 'novatek',
    points,
    meta: { source: listed ? 'moov/gps' : 'mdat scan', blocks: String(seen), layout },
  };
}

/** BlackVue's NMEA log (`free/gps `); undefined when the file has none. */
export async function readBlackVueGps(src: ByteSource, top: Box[], maxPoints: number): Promise<Track | undefined> {
  for (const free of top.filter((b) => b.type === 'free')) {
    const gps = (await children(src, free.body, free.end, 'free').catch(() => [])).find((b) => b.type === 'gps ');
    if (!gps) continue;
    const len = gps.end - gps.body;
    if (len > MAX_BLACKVUE_GPS_BYTES) {
      throw invalid('telemetry_too_large', `${src.name}: BlackVue GPS log of ${len} bytes`);
    }
    const log = Buffer.from(await src.read(gps.body, len)).toString('latin1');
    if (!/\$[A-Z]{2}(RMC|GGA),/.test(log)) continue; // another maker's `gps ` box (Novatek keeps its list in moov)
    const parser = new NmeaParser(src.name, Number.isFinite(maxPoints) ? { maxPoints } : {});
    for (const line of log.split(/\r?\n|\0+/)) {
      const at = line.indexOf('$');
      if (at >= 0) parser.pushLine(line.slice(at));
    }
    const track = parser.finish();
    return { ...track, format: 'blackvue', meta: { ...track.meta, source: 'free/gps' } };
  }
  return undefined;
}

/** Any dashcam GPS this module reads, or undefined: BlackVue first (its box is cheap to find), then Novatek. */
export async function readDashcamGps(
  src: ByteSource,
  movie: Mp4Movie,
  maxPoints = Number.POSITIVE_INFINITY,
): Promise<Track | undefined> {
  return (await readBlackVueGps(src, movie.top, maxPoints)) ?? (await readNovatekGps(src, movie, maxPoints));
}
