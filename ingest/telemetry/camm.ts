/**
 * Google Camera Motion Metadata (CAMM, Street View "Camera Motion Metadata Spec"): a `camm` sample entry whose
 * samples are packets of `reserved u16, type u16` followed by a fixed-size little-endian payload. Types used here:
 * - 5 (minimal GPS): latitude, longitude, altitude as float64; no time, so the sample time from `stts` is added to
 *   the `mvhd` creation time.
 * - 6 (full GPS): time_gps_epoch float64 (seconds since 1980-01-06, GPS time; Unix seconds in some cameras, told
 *   apart by the creation time as exiftool does), gps_fix_type int32, latitude and
 *   longitude float64, altitude, horizontal/vertical accuracy, velocity east/north/up, speed accuracy as float32.
 * Other types (angle axis, gyro, accelerometer, ...) are skipped by their fixed size.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { tooManyPoints } from './limits.ts';
import { isValidLatLon, normHeading } from './parse-values.ts';

/** CAMM payload sizes after the 4-byte header, by packet type (spec table "Data format"). */
export const CAMM_SIZES: Record<number, number> = { 0: 12, 1: 8, 2: 12, 3: 12, 4: 12, 5: 24, 6: 56, 7: 12 };

/** One CAMM sample with its time in seconds from the start of the track. */
export interface CammSample {
  bytes: Uint8Array;
  time: number;
}

// GPS - UTC offset: leap seconds inserted after the GPS epoch (IERS Bulletin C), as Unix ms of the first UTC instant
// at which each new offset applies. 18 s since 2017-01-01.
const LEAP_SECONDS_AT = [
  '1981-07-01',
  '1982-07-01',
  '1983-07-01',
  '1985-07-01',
  '1988-01-01',
  '1990-01-01',
  '1991-01-01',
  '1992-07-01',
  '1993-07-01',
  '1994-07-01',
  '1996-01-01',
  '1997-07-01',
  '1999-01-01',
  '2006-01-01',
  '2009-01-01',
  '2012-07-01',
  '2015-07-01',
  '2017-01-01',
].map((d) => Date.parse(`${d}T00:00:00Z`));
const GPS_EPOCH_MS = Date.UTC(1980, 0, 6);

/** Convert GPS time (seconds since 1980-01-06, no leap seconds) to Unix ms UTC. */
export function gpsSecondsToUnixMs(gpsSeconds: number): number {
  const naive = GPS_EPOCH_MS + gpsSeconds * 1000;
  let leaps = 0;
  for (const at of LEAP_SECONDS_AT) if (naive - (leaps + 1) * 1000 >= at) leaps++;
  return Math.round(naive - leaps * 1000);
}

/**
 * CAMM GPS decoded sample by sample as the track is read: only the points are kept, so memory follows the GPS found,
 * not the number of samples. Points past `maxPoints` end the read with `telemetry_too_large`.
 */
export class CammGpsCollector {
  private readonly points: TrackPoint[] = [];
  private readonly types = new Map<number, number>();
  private index = 0;

  /** `creationTime` (Unix ms) dates type-5 packets; `where` names the file in errors. */
  constructor(
    private readonly creationTime: number | undefined,
    private readonly where: string,
    private readonly maxPoints = Number.POSITIVE_INFINITY,
  ) {}

  /** Decode every packet of one sample. */
  add(sample: CammSample): void {
    const index = ++this.index;
    const where = this.where;
    const dv = new DataView(sample.bytes.buffer, sample.bytes.byteOffset, sample.bytes.byteLength);
    let at = 0;
    while (at + 4 <= dv.byteLength) {
      const type = dv.getUint16(at + 2, true);
      const size = CAMM_SIZES[type];
      if (size === undefined) {
        throw invalid('camm_bad_packet', `${where}: camm sample ${index}, byte ${at}: unknown packet type ${type}`, {
          sample: index,
          offset: at,
        });
      }
      if (at + 4 + size > dv.byteLength) {
        throw invalid(
          'camm_truncated',
          `${where}: camm sample ${index}, byte ${at}: type ${type} needs ${size} bytes, ${dv.byteLength - at - 4} left`,
          { sample: index, offset: at },
        );
      }
      this.types.set(type, (this.types.get(type) ?? 0) + 1);
      const point =
        type === 6
          ? fullGps(dv, at + 4, this.creationTime)
          : type === 5
            ? this.minimalGps(dv, at + 4, sample.time)
            : undefined;
      if (point) {
        if (this.points.length >= this.maxPoints) throw tooManyPoints(where, this.maxPoints);
        this.points.push(point);
      }
      at += 4 + size;
    }
  }

  private minimalGps(dv: DataView, p: number, time: number): TrackPoint | undefined {
    if (this.creationTime === undefined) {
      throw invalid('camm_no_time', `${this.where}: camm type-5 GPS has no time and mvhd has no creation time`);
    }
    const lat = dv.getFloat64(p, true);
    const lon = dv.getFloat64(p + 8, true);
    if (!isValidLatLon(lat, lon)) return undefined;
    return { t: Math.round(this.creationTime + time * 1000), lat, lon, alt: dv.getFloat64(p + 16, true) };
  }

  /** The Track, or `camm_no_gps` naming the packet types found. */
  finish(): Track {
    const summary = [...this.types].map(([t, n]) => `type ${t} x${n}`).join(', ') || 'no packets';
    if (this.points.length === 0) {
      throw invalid('camm_no_gps', `${this.where}: camm track has no GPS fix (packet types 5/6); found ${summary}`);
    }
    return { format: 'camm', points: this.points, meta: { packets: summary } };
  }
}

// Some cameras (exiftool has Insta360 samples) write type-6 time in Unix seconds instead of the spec's GPS seconds.
// A GPS-epoch time reads ~10 years before the movie's creation time as Unix seconds; exiftool takes it as Unix time
// when it lies no more than 5 years before the creation time, and so do we.
const UNIX_EPOCH_WITHIN_MS = 5 * 365 * 86_400_000;

/** A type-6 packet (full GPS) at payload offset `p`; undefined without a fix. */
function fullGps(dv: DataView, p: number, creationTime: number | undefined): TrackPoint | undefined {
  const fix = dv.getInt32(p + 8, true);
  const lat = dv.getFloat64(p + 12, true);
  const lon = dv.getFloat64(p + 20, true);
  if (fix === 0 || !isValidLatLon(lat, lon)) return undefined;
  const seconds = dv.getFloat64(p, true);
  const unix = creationTime !== undefined && creationTime - seconds * 1000 <= UNIX_EPOCH_WITHIN_MS;
  const point: TrackPoint = { t: unix ? Math.round(seconds * 1000) : gpsSecondsToUnixMs(seconds), lat, lon };
  point.alt = dv.getFloat32(p + 28, true);
  const [ve, vn] = [dv.getFloat32(p + 40, true), dv.getFloat32(p + 44, true)];
  point.speed = Math.hypot(ve, vn);
  const heading = point.speed > 0 ? normHeading((Math.atan2(ve, vn) * 180) / Math.PI) : undefined;
  if (heading !== undefined) point.heading = heading;
  if (fix === 2 || fix === 3) point.fix = fix;
  return point;
}

/** Decode the GPS packets of CAMM samples into a Track; `creationTime` (Unix ms) dates type-5 packets. */
export function gpsFromCamm(samples: CammSample[], creationTime: number | undefined, where: string): Track {
  const collector = new CammGpsCollector(creationTime, where);
  for (const s of samples) collector.add(s);
  return collector.finish();
}
