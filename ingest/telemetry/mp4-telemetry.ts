/**
 * Telemetry embedded in MP4 video: finds the GoPro GPMF track (`gpmd` sample entry or handler "GoPro MET") or a
 * Google CAMM track (`camm` sample entry), reads its samples one by one at their offsets and decodes the GPS. A movie
 * with neither is tried for DJI subtitle telemetry (`tx3g`), then for dashcam GPS outside any track (dashcam-gps.ts).
 */
import { invalid, type Track } from '../../core/index.ts';
import { type ByteSource, openFileSource } from './byte-source.ts';
import { type CammSample, gpsFromCamm } from './camm.ts';
import { readDashcamGps } from './dashcam-gps.ts';
import { type Cue, djiCuesToTrack, tx3gText } from './dji-srt.ts';
import { parseKlv } from './gpmf.ts';
import { type GpmfPayload, gpsFromGpmf } from './gpmf-gps.ts';
import { type Mp4Track, readMovie, type Sample } from './mp4.ts';

// A GPMF payload is about 1 s of sensor data (~6 KiB on a GoPro MAX); CAMM packets are under 100 bytes. 16 MiB per
// sample is far above both and stops a forged stsz from making us allocate the whole file.
const MAX_SAMPLE_BYTES = 16 << 20;

/** Which embedded telemetry a track carries, if any. */
export function telemetryKind(track: Mp4Track): 'gpmf' | 'camm' | undefined {
  if (track.sampleEntry === 'gpmd' || /GoPro MET/i.test(track.handlerName)) return 'gpmf';
  if (track.sampleEntry === 'camm') return 'camm';
  return undefined;
}

/**
 * The samples of a track with their bytes, refusing forged tables that point at the same bytes again and again: a
 * sample overlapping the one before is `mp4_overlapping_samples`, and so is reading more bytes in total than the file
 * has (samples that do not overlap cannot add up to more), which bounds the work at one pass over the file.
 */
async function* sampleBytes(src: ByteSource, track: Mp4Track): AsyncGenerator<{ bytes: Uint8Array; s: Sample }> {
  let total = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let i = 0;
  for await (const s of track.samples) {
    i++;
    const where = `${src.name}: ${track.path} sample ${i}`;
    if (s.size > MAX_SAMPLE_BYTES) throw invalid('mp4_sample_too_large', `${where} is ${s.size} bytes`);
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
    yield { bytes: await src.read(s.offset, s.size), s };
  }
}

// A DJI subtitle sample is one cue of a few hundred bytes.
const MAX_SUBTITLE_SAMPLE_BYTES = 4096;

/** DJI flight telemetry in a subtitle track (`tx3g`), or undefined when no subtitle track holds DJI GPS text. */
async function readDjiSubtitles(src: ByteSource, tracks: Mp4Track[]): Promise<Track | undefined> {
  for (const t of tracks.filter((t) => t.sampleEntry === 'tx3g' || t.handlerType === 'sbtl')) {
    const timescale = t.timescale > 0 ? t.timescale : 1;
    const cues: Cue[] = [];
    // Through sampleBytes: a forged subtitle table cannot read the same bytes again and again either.
    for await (const { bytes, s } of sampleBytes(src, t)) {
      if (s.size > MAX_SUBTITLE_SAMPLE_BYTES) continue;
      cues.push({ startMs: (s.time / timescale) * 1000, text: tx3gText(bytes) });
    }
    let track: Track;
    try {
      track = djiCuesToTrack(cues, src.name);
    } catch {
      continue; // a subtitle track of another kind (chapter titles, captions)
    }
    return { ...track, meta: { ...track.meta, source: t.path } };
  }
  return undefined;
}

/** Read GPS from the telemetry track of an MP4 opened as a ByteSource (the caller closes it). */
export async function readMp4TelemetrySource(src: ByteSource, prefer?: 'gpmf' | 'camm'): Promise<Track> {
  const movie = await readMovie(src);
  const candidates = movie.tracks.filter((t) => telemetryKind(t) !== undefined && t.samples.count > 0);
  const track = candidates.find((t) => telemetryKind(t) === prefer) ?? candidates[0];
  if (!track) {
    const subtitles = await readDjiSubtitles(src, movie.tracks);
    if (subtitles) return subtitles;
    const dashcam = await readDashcamGps(src);
    if (dashcam) return dashcam;
    const list = movie.tracks.map((t) => `${t.path} ${t.handlerType}/${t.sampleEntry || '?'}`).join(', ') || 'none';
    throw invalid(
      'mp4_no_telemetry',
      `${src.name}: no GPMF (gpmd) or CAMM (camm) track and no Novatek or BlackVue GPS; tracks: ${list}`,
      {
        tracks: movie.tracks.map((t) => ({ handler: t.handlerType, entry: t.sampleEntry })),
      },
    );
  }
  const timescale = track.timescale > 0 ? track.timescale : 1;
  if (telemetryKind(track) === 'gpmf') {
    const payloads: GpmfPayload[] = [];
    for await (const { bytes, s } of sampleBytes(src, track)) {
      const where = `${src.name}: ${track.path} sample ${payloads.length + 1} (file offset ${s.offset})`;
      payloads.push({ klv: parseKlv(bytes, where), time: s.time / timescale, duration: s.duration / timescale });
    }
    const out = gpsFromGpmf(payloads, src.name);
    out.meta = { ...out.meta, payloads: String(payloads.length) };
    return out;
  }
  const samples: CammSample[] = [];
  for await (const { bytes, s } of sampleBytes(src, track)) samples.push({ bytes, time: s.time / timescale });
  return gpsFromCamm(samples, movie.creationTime, src.name);
}

/** Read GPS from an MP4 file's telemetry, as readMp4TelemetrySource (positioned reads; never loaded whole). */
export async function readMp4Telemetry(path: string, prefer?: 'gpmf' | 'camm'): Promise<Track> {
  const src = await openFileSource(path);
  try {
    return await readMp4TelemetrySource(src, prefer);
  } finally {
    await src.close();
  }
}
