/**
 * Telemetry embedded in MP4 video. In order: the GoPro GPMF track (`gpmd` sample entry or handler "GoPro MET") or a
 * Google CAMM track (`camm`), a Sony `rtmd` track, a timed text/subtitle track holding Garmin `PNDM` records or DJI
 * flight text (`tx3g`), then dashcam GPS outside any track (BlackVue, Novatek/Nextbase: dashcam-gps.ts).
 * Samples are read one by one at their offsets (through a small read window, since telemetry samples sit back to
 * back in their chunks) and decoded as they come: only the fixes found are kept, never an object per sample.
 */
import { invalid, type Track } from '../../core/index.ts';
import { type ByteSource, openFileSource } from './byte-source.ts';
import { CammGpsCollector } from './camm.ts';
import { readDashcamGps } from './dashcam-gps.ts';
import { DjiCueReader, tx3gText } from './dji-srt.ts';
import { GarminCollector, isPndm } from './garmin-pndm.ts';
import { parseKlv } from './gpmf.ts';
import { GpmfGpsCollector } from './gpmf-gps.ts';
import { telemetryLimits } from './limits.ts';
import { type Mp4Track, readMovie, type Sample } from './mp4.ts';
import { RtmdCollector } from './sony-rtmd.ts';

// A GPMF payload is about 1 s of sensor data (~6 KiB on a GoPro MAX); CAMM packets are under 100 bytes; an rtmd
// frame record ~3 KiB. 16 MiB per sample is far above all and stops a forged stsz from making us allocate the file.
const MAX_SAMPLE_BYTES = 16 << 20;
// A GPMF payload is parsed into an object per KLV entry (8 bytes each at the least): 1 MiB, 170 times the GoPro MAX's
// payload, bounds that at ~130,000 objects.
const MAX_GPMF_PAYLOAD_BYTES = 1 << 20;
// Samples lying inside the last read window are sliced from it instead of read one by one.
const READ_WINDOW = 64 << 10;

/** The embedded formats read from a track of their own. */
export type TrackKind = 'gpmf' | 'camm' | 'sony-rtmd';

/** Which embedded telemetry a track carries, if any. */
export function telemetryKind(track: Mp4Track): TrackKind | undefined {
  if (track.sampleEntry === 'gpmd' || /GoPro MET/i.test(track.handlerName)) return 'gpmf';
  if (track.sampleEntry === 'camm') return 'camm';
  if (track.sampleEntry === 'rtmd') return 'sony-rtmd';
  return undefined;
}

/** How sampleBytes treats big samples: above `skipAbove` they are yielded unread, above `maxBytes` refused. */
interface SampleLimits {
  skipAbove?: number;
  maxBytes?: number;
}

/**
 * The samples of a track with their bytes, refusing forged tables that point at the same bytes again and again: a
 * sample overlapping the one before is `mp4_overlapping_samples`, and so is reading more bytes in total than the file
 * has (samples that do not overlap cannot add up to more), which bounds the work at one pass over the file. Samples
 * above `skipAbove` bytes are yielded without bytes and never read; above `maxBytes` they are `mp4_sample_too_large`.
 */
async function* sampleBytes(
  src: ByteSource,
  track: Mp4Track,
  { skipAbove = Number.POSITIVE_INFINITY, maxBytes = MAX_SAMPLE_BYTES }: SampleLimits = {},
): AsyncGenerator<{ bytes: Uint8Array | undefined; s: Sample }> {
  let total = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let i = 0;
  let win: Uint8Array = new Uint8Array(0);
  let winAt = 0;
  for await (const s of track.samples) {
    i++;
    if (s.size > skipAbove) {
      yield { bytes: undefined, s };
      continue;
    }
    const where = `${src.name}: ${track.path} sample ${i}`;
    if (s.size > maxBytes) throw invalid('mp4_sample_too_large', `${where} is ${s.size} bytes, above ${maxBytes}`);
    total += s.size;
    const overlaps = s.size > 0 && s.offset < prevEnd && s.offset + s.size > prevStart;
    if (overlaps || total > src.size) {
      throw invalid(
        'mp4_overlapping_samples',
        `${where} (bytes ${s.offset}..${s.offset + s.size}) ${overlaps ? 'overlaps the sample before it' : `brings the bytes read to ${total}, more than the file's ${src.size}`}: the sample table is forged or corrupt`,
        { path: track.path, sample: i, offset: s.offset },
      );
    }
    if (s.size > 0) [prevStart, prevEnd] = [s.offset, s.offset + s.size];
    if (s.offset < winAt || s.offset + s.size > winAt + win.length) {
      win = await src.read(s.offset, Math.max(s.size, Math.min(READ_WINDOW, src.size - s.offset)));
      winAt = s.offset;
    }
    yield { bytes: win.subarray(s.offset - winAt, s.offset - winAt + s.size), s };
  }
}

// A DJI subtitle sample is one cue of a few hundred bytes; a Garmin record ~40 bytes.
const MAX_TEXT_SAMPLE_BYTES = 4096;

/** Garmin `PNDM` records or DJI flight text in a timed text/subtitle track, or undefined when no track holds either. */
async function readTextTracks(src: ByteSource, tracks: Mp4Track[], creation: number | undefined, maxPoints: number) {
  const text = tracks.filter(
    (t) => ['tx3g', 'text'].includes(t.sampleEntry) || ['sbtl', 'text'].includes(t.handlerType),
  );
  for (const t of text) {
    const timescale = t.timescale > 0 ? t.timescale : 1;
    const garmin = new GarminCollector(creation, src.name, maxPoints);
    const dji = new DjiCueReader(src.name, maxPoints);
    // Through sampleBytes: a forged table cannot read the same bytes again and again either.
    for await (const { bytes, s } of sampleBytes(src, t, { skipAbove: MAX_TEXT_SAMPLE_BYTES })) {
      if (!bytes) continue;
      if (isPndm(bytes)) garmin.add(bytes, s.time / timescale);
      else dji.push({ startMs: (s.time / timescale) * 1000, text: tx3gText(bytes) });
    }
    const found = garmin.finish(t.path);
    if (found) return found;
    try {
      const track = dji.finish();
      return { ...track, meta: { ...track.meta, source: t.path } };
    } catch {
      // a subtitle track of another kind (chapter titles, captions)
    }
  }
  return undefined;
}

/** GPS of a GPMF, CAMM or rtmd track, decoded sample by sample; undefined for an rtmd track without GPS. */
async function readKindTrack(
  src: ByteSource,
  track: Mp4Track,
  creation: number | undefined,
  maxPoints: number,
): Promise<Track | undefined> {
  const timescale = track.timescale > 0 ? track.timescale : 1;
  const kind = telemetryKind(track);
  if (kind === 'gpmf') {
    const gpmf = new GpmfGpsCollector(src.name, maxPoints);
    let n = 0;
    for await (const { bytes, s } of sampleBytes(src, track, { maxBytes: MAX_GPMF_PAYLOAD_BYTES })) {
      const where = `${src.name}: ${track.path} sample ${++n} (file offset ${s.offset})`;
      gpmf.add({ klv: parseKlv(bytes!, where), time: s.time / timescale, duration: s.duration / timescale });
    }
    return gpmf.finish();
  }
  if (kind === 'sony-rtmd') {
    const rtmd = new RtmdCollector(src.name, maxPoints);
    for await (const { bytes, s } of sampleBytes(src, track)) rtmd.add(bytes!, s.time / timescale);
    return rtmd.finish(track.path);
  }
  const camm = new CammGpsCollector(creation, src.name, maxPoints);
  for await (const { bytes, s } of sampleBytes(src, track)) camm.add({ bytes: bytes!, time: s.time / timescale });
  return camm.finish();
}

/**
 * Read GPS from the telemetry of an MP4 opened as a ByteSource (the caller closes it); `prefer` picks among several
 * telemetry tracks; past `maxPoints` fixes the read stops with `telemetry_too_large`.
 */
export async function readMp4TelemetrySource(
  src: ByteSource,
  prefer?: TrackKind,
  maxPoints = telemetryLimits().maxPoints,
): Promise<Track> {
  const movie = await readMovie(src);
  const candidates = movie.tracks.filter((t) => telemetryKind(t) !== undefined && t.samples.count > 0);
  const track = candidates.find((t) => telemetryKind(t) === prefer) ?? candidates[0];
  let note = '';
  if (track) {
    const read = await readKindTrack(src, track, movie.creationTime, maxPoints);
    if (read) return read;
    note = ` (${track.path} is a Sony rtmd track with no GPS fix)`;
  }
  const found =
    (await readTextTracks(src, movie.tracks, movie.creationTime, maxPoints)) ??
    (await readDashcamGps(src, movie, maxPoints));
  if (found) return found;
  const list = movie.tracks.map((t) => `${t.path} ${t.handlerType}/${t.sampleEntry || '?'}`).join(', ') || 'none';
  throw invalid(
    'mp4_no_telemetry',
    `${src.name}: no GPMF (gpmd), CAMM (camm) or Sony rtmd track, no Garmin or DJI text track and no Novatek, ` +
      `Nextbase or BlackVue GPS${note}; tracks: ${list}`,
    { tracks: movie.tracks.map((t) => ({ handler: t.handlerType, entry: t.sampleEntry })) },
  );
}

/** Read GPS from an MP4 file's telemetry, as readMp4TelemetrySource (positioned reads; never loaded whole). */
export async function readMp4Telemetry(path: string, prefer?: TrackKind, maxPoints?: number): Promise<Track> {
  const src = await openFileSource(path);
  try {
    return await readMp4TelemetrySource(src, prefer, maxPoints);
  } finally {
    await src.close();
  }
}
