/**
 * DJI flight telemetry as subtitles: `.SRT` sidecars and the same text in an MP4 subtitle track (`tx3g` samples: a
 * big-endian u16 length, then UTF-8 text, 3GPP TS 26.245 section 5.17). DJI changed the cue text with almost every
 * model; the generations read here (as JuanIrache's DJI_SRT_Parser describes them):
 * - Mavic Pro, Phantom 4: `HOME(lon,lat) 2017.08.05 14:11:51` and `GPS(lon,lat,satellites) BAROMETER:1.9`.
 * - Mavic Air, Spark: `2018-06-22 18:20:59` and `GPS (lon, lat, satellites), D 24.1m, H 3.4m, ...`.
 * - Mavic 2, Air 2, Mini and later: `2021-03-09 15:31:07.123` and `[latitude: 47.1] [longitude: 8.1]
 *   [rel_alt: 1.1 abs_alt: 400.1]` (some firmware spells it `longtitude`), wrapped in `<font>` tags.
 * `GPS(...)` puts longitude first in every generation. The date-time is the camera's local time with no zone: points
 * are stamped as if it were UTC and the track says so (`meta.clock = camera-local`), for the alignment step to fix.
 * Each cue's start is the video time of its fix, so the track also carries where its first fix sits in the video.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { tooManyPoints } from './limits.ts';
import { isValidLatLon, type TelemetryData, toText } from './parse-values.ts';

/** One subtitle cue: its start in the video (ms) and its text. */
export interface Cue {
  startMs: number;
  text: string;
}

// 100 Hz for 24 h: far above any drone's 1-30 Hz, and bounded.
const MAX_CUES = 8_640_000;
const TIMESTAMP = /(\d{2}):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->/;
const DATE_TIME = /(\d{4})[.\-/](\d{1,2})[.\-/](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})(?:[.,:](\d{1,3}))?/;
const LABELLED_LAT = /\blatitude\s*:\s*(-?\d+(?:\.\d+)?)/i;
const LABELLED_LON = /\blongt?itude\s*:\s*(-?\d+(?:\.\d+)?)/i;
const GPS_TUPLE = /\bGPS\s*\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*(-?\d+(?:\.\d+)?))?/;
const ABS_ALT = /\babs_alt\s*:\s*(-?\d+(?:\.\d+)?)/i;
const ALTITUDE = /\baltitude\s*:\s*(-?\d+(?:\.\d+)?)/i;

/** True when the text looks like DJI subtitle telemetry (cue times and a GPS position). */
export function looksLikeDjiSrt(text: string): boolean {
  return TIMESTAMP.test(text) && (GPS_TUPLE.test(text) || LABELLED_LAT.test(text));
}

/** Split SRT text into cues (numbered blocks with a `start --> end` line). */
export function parseSrtCues(text: string): Cue[] {
  const cues: Cue[] = [];
  for (const block of text.replace(/\r/g, '').split(/\n\s*\n/)) {
    const m = TIMESTAMP.exec(block);
    if (!m) continue;
    const startMs = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]!.padEnd(3, '0'));
    cues.push({ startMs, text: block.slice(block.indexOf('\n', m.index) + 1) });
    if (cues.length > MAX_CUES) throw invalid('telemetry_too_large', `more than ${MAX_CUES} subtitle cues`);
  }
  return cues;
}

/** The printed date-time, and whether it has milliseconds (newer models) or whole seconds only. */
function dateTimeOf(text: string): { t: number; exact: boolean } | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return Number.isFinite(t) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 ? { t, exact: m[7] !== undefined } : undefined;
}

function positionOf(text: string): { lat: number; lon: number; alt?: number; satellites?: number } | undefined {
  const lat = LABELLED_LAT.exec(text);
  const lon = LABELLED_LON.exec(text);
  if (lat && lon) {
    const alt = ABS_ALT.exec(text) ?? ALTITUDE.exec(text);
    return { lat: Number(lat[1]), lon: Number(lon[1]), ...(alt ? { alt: Number(alt[1]) } : {}) };
  }
  const gps = GPS_TUPLE.exec(text);
  if (!gps) return undefined;
  // Old generations: the third number is the satellite count (an integer), newer Spark/Air ones the same.
  const third = gps[3] !== undefined ? Number(gps[3]) : undefined;
  return {
    lon: Number(gps[1]),
    lat: Number(gps[2]),
    ...(third !== undefined && Number.isInteger(third) ? { satellites: third } : {}),
  };
}

// Whole-second printed times lag the exact time by up to 1 s; more than that is a clock jump.
const MAX_CLOCK_DISAGREEMENT_MS = 1500;

/**
 * DJI cues turned into points one at a time (an MP4 subtitle track is read sample by sample, so its cues are never
 * held together); times follow the cue clock from the first printed date (see push). Points past `maxPoints` end the
 * read with `telemetry_too_large`.
 */
export class DjiCueReader {
  private readonly points: TrackPoint[] = [];
  private anchor: { t: number; startMs: number } | undefined;
  private firstMediaMs: number | undefined;
  private cues = 0;

  constructor(
    private readonly name: string,
    private readonly maxPoints = Number.POSITIVE_INFINITY,
  ) {}

  /** One cue, in cue order. */
  push(cue: Cue): void {
    this.cues++;
    if (!cue.text) return;
    const text = cue.text.replace(/<[^>]*>/g, ' ');
    const dated = dateTimeOf(text);
    // Older models print whole seconds while cue times are exact: keep the first anchor while the printed time
    // agrees with it to within its rounding, and re-anchor only when the camera clock jumps. Printed milliseconds
    // (newer models) are trusted as they are.
    const anchor = this.anchor;
    const predicted = anchor ? anchor.t + (cue.startMs - anchor.startMs) : undefined;
    if (
      dated !== undefined &&
      (dated.exact || predicted === undefined || Math.abs(dated.t - predicted) > MAX_CLOCK_DISAGREEMENT_MS)
    ) {
      this.anchor = { t: dated.t, startMs: cue.startMs };
    }
    const pos = positionOf(text);
    // 0,0 is what the drone writes before it has a fix.
    if (!this.anchor || !pos || (pos.lat === 0 && pos.lon === 0) || !isValidLatLon(pos.lat, pos.lon)) return;
    const t = this.anchor.t + (cue.startMs - this.anchor.startMs);
    const points = this.points;
    if (points.length > 0 && t <= points[points.length - 1]!.t) return; // a clock jump backwards
    if (points.length >= this.maxPoints) throw tooManyPoints(this.name, this.maxPoints);
    this.firstMediaMs ??= cue.startMs;
    points.push({ t, ...pos });
  }

  /** The track, or `dji_no_fixes` when no cue held a dated position. */
  finish(): Track {
    if (this.points.length === 0) {
      throw invalid('dji_no_fixes', `${this.name}: ${this.cues} subtitle cues but none with a dated GPS position`);
    }
    return {
      format: 'dji-srt',
      points: this.points,
      meta: { cues: String(this.cues), clock: 'camera-local', firstFixMediaMs: String(this.firstMediaMs ?? 0) },
    };
  }
}

/** Turn DJI cues into a track (see DjiCueReader). */
export function djiCuesToTrack(cues: readonly Cue[], name: string): Track {
  const reader = new DjiCueReader(name);
  for (const cue of cues) reader.push(cue);
  return reader.finish();
}

/** Parse a DJI `.SRT` sidecar. */
export function parseDjiSrt(data: TelemetryData, name = 'srt'): Track {
  return djiCuesToTrack(parseSrtCues(toText(data)), name);
}

/** The text of one `tx3g` subtitle sample (u16 length, then UTF-8). */
export function tx3gText(sample: Uint8Array): string {
  if (sample.length < 2) return '';
  const len = Math.min((sample[0]! << 8) | sample[1]!, sample.length - 2);
  return Buffer.from(sample.buffer, sample.byteOffset + 2, len).toString('utf8');
}
