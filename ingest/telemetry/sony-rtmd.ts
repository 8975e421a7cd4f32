/**
 * Sony `rtmd` timed metadata (ILCE, DSC-RX and FDR cameras with GPS or a paired phone): one sample per video frame,
 * laid out as exiftool's Sony.pm documents it (Process_rtmd and the Sony::rtmd table): a big-endian u16 header length
 * (0x1c), then records of u16 tag, u16 length and the value; tag 0x060e is a fixed 16-byte SMPTE label, tag 0x8300 a
 * container whose records follow inline, tag 0 ends the sample. The GPS tags mirror EXIF GPS: 0x8501/0x8503 latitude
 * and longitude refs, 0x8502/0x8504 latitude and longitude as three rational64u (deg, min, sec), 0x8507 the UTC time
 * as three rationals, 0x8509 status (A/V), 0x850a measure mode ("2"/"3"), 0x851d the date "YYYY:MM:DD".
 * Every frame repeats the last fix, so one point is kept per distinct GPS time.
 */
import type { Track, TrackPoint } from '../../core/index.ts';
import { tooManyPoints } from './limits.ts';
import { isValidLatLon } from './parse-values.ts';

interface GpsTags {
  latRef?: string;
  lat?: number;
  lonRef?: string;
  lon?: number;
  time?: number;
  status?: string;
  mode?: string;
  date?: string;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1').replace(/\0.*$/s, '').trim();

/** Three rational64u (numerator, denominator u32 pairs) as degrees/hours + minutes/60 + seconds/3600. */
function sexagesimal(dv: DataView, at: number, len: number): number | undefined {
  if (len < 24) return undefined;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const den = dv.getUint32(at + 8 * i + 4);
    if (den === 0) return undefined;
    v += dv.getUint32(at + 8 * i) / den / 60 ** i;
  }
  return v;
}

/** The GPS tags of one rtmd sample. */
function gpsTags(sample: Uint8Array): GpsTags {
  const dv = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  const end = sample.length;
  const tags: GpsTags = {};
  if (end < 2) return tags;
  let pos = dv.getUint16(0);
  while (pos + 4 < end) {
    const tag = dv.getUint16(pos);
    if (tag === 0) break;
    let len = dv.getUint16(pos + 2);
    if (tag === 0x060e) len = 16;
    else {
      pos += 4;
      if (tag === 0x8300) continue; // a container: its records follow
    }
    if (pos + len > end) break;
    const value = sample.subarray(pos, pos + len);
    switch (tag) {
      case 0x8501:
        tags.latRef = text(value);
        break;
      case 0x8502:
        tags.lat = sexagesimal(dv, pos, len);
        break;
      case 0x8503:
        tags.lonRef = text(value);
        break;
      case 0x8504:
        tags.lon = sexagesimal(dv, pos, len);
        break;
      case 0x8507: {
        const hours = sexagesimal(dv, pos, len);
        if (hours !== undefined) tags.time = hours * 3_600_000;
        break;
      }
      case 0x8509:
        tags.status = text(value);
        break;
      case 0x850a:
        tags.mode = text(value);
        break;
      case 0x851d:
        tags.date = text(value);
        break;
    }
    pos += len;
  }
  return tags;
}

/** The fix of one rtmd sample; undefined when it has no complete, valid GPS fix. */
export function decodeRtmd(sample: Uint8Array): TrackPoint | undefined {
  const g = gpsTags(sample);
  if (g.status === 'V' || g.lat === undefined || g.lon === undefined || g.time === undefined) return undefined;
  const d = /^(\d{4}):(\d{2}):(\d{2})$/.exec(g.date ?? '');
  if (!d || !['N', 'S'].includes(g.latRef ?? '') || !['E', 'W'].includes(g.lonRef ?? '')) return undefined;
  const lat = g.latRef === 'S' ? -g.lat : g.lat;
  const lon = g.lonRef === 'W' ? -g.lon : g.lon;
  const t = Math.round(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) + g.time);
  if (!Number.isFinite(t) || !isValidLatLon(lat, lon) || (lat === 0 && lon === 0)) return undefined;
  const p: TrackPoint = { t, lat, lon };
  if (g.mode === '2' || g.mode === '3') p.fix = Number(g.mode) as 2 | 3;
  return p;
}

/** rtmd samples read one at a time: one point per distinct GPS time is kept. */
export class RtmdCollector {
  private readonly points: TrackPoint[] = [];
  private samples = 0;
  private firstFixMediaMs: number | undefined;

  constructor(
    private readonly where: string,
    private readonly maxPoints = Number.POSITIVE_INFINITY,
  ) {}

  /** One rtmd sample at `time` seconds on the track clock. */
  add(sample: Uint8Array, time: number): void {
    this.samples++;
    const p = decodeRtmd(sample);
    const last = this.points[this.points.length - 1];
    if (!p || (last && p.t <= last.t)) return;
    if (this.points.length >= this.maxPoints) throw tooManyPoints(this.where, this.maxPoints);
    this.firstFixMediaMs ??= time * 1000;
    this.points.push(p);
  }

  /**
   * The track; undefined when no frame carried a fix: most Sony cameras write rtmd without GPS (no receiver, no
   * paired phone), and such a clip is a video without telemetry, not a broken file.
   */
  finish(source: string): Track | undefined {
    if (this.points.length === 0) return undefined;
    const meta = { source, samples: String(this.samples), firstFixMediaMs: String(this.firstFixMediaMs ?? 0) };
    return { format: 'sony-rtmd', points: this.points, meta };
  }
}
