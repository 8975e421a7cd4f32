/**
 * Google Camera Motion Metadata (CAMM, Street View "Camera Motion Metadata Spec"): a `camm` sample entry whose
 * samples are packets of `reserved u16, type u16` followed by a fixed-size little-endian payload. Types used here:
 * - 5 (minimal GPS): latitude, longitude, altitude as float64; no time, so the sample time from `stts` is added to
 *   the `mvhd` creation time.
 * - 6 (full GPS): time_gps_epoch float64 (seconds since 1980-01-06, GPS time), gps_fix_type int32, latitude and
 *   longitude float64, altitude, horizontal/vertical accuracy, velocity east/north/up, speed accuracy as float32.
 * Other types (angle axis, gyro, accelerometer, ...) are skipped by their fixed size.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
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

/** Decode the GPS packets of CAMM samples into a Track; `creationTime` (Unix ms) dates type-5 packets. */
export function gpsFromCamm(samples: CammSample[], creationTime: number | undefined, where: string): Track {
  const points: TrackPoint[] = [];
  const types = new Map<number, number>();
  samples.forEach((sample, index) => {
    const dv = new DataView(sample.bytes.buffer, sample.bytes.byteOffset, sample.bytes.byteLength);
    let at = 0;
    while (at + 4 <= dv.byteLength) {
      const type = dv.getUint16(at + 2, true);
      const size = CAMM_SIZES[type];
      if (size === undefined) {
        throw invalid(
          'camm_bad_packet',
          `${where}: camm sample ${index + 1}, byte ${at}: unknown packet type ${type}`,
          {
            sample: index + 1,
            offset: at,
          },
        );
      }
      if (at + 4 + size > dv.byteLength) {
        throw invalid(
          'camm_truncated',
          `${where}: camm sample ${index + 1}, byte ${at}: type ${type} needs ${size} bytes, ${dv.byteLength - at - 4} left`,
          { sample: index + 1, offset: at },
        );
      }
      types.set(type, (types.get(type) ?? 0) + 1);
      const p = at + 4;
      if (type === 6) {
        const fix = dv.getInt32(p + 8, true);
        const lat = dv.getFloat64(p + 12, true);
        const lon = dv.getFloat64(p + 20, true);
        if (fix !== 0 && isValidLatLon(lat, lon)) {
          const point: TrackPoint = { t: gpsSecondsToUnixMs(dv.getFloat64(p, true)), lat, lon };
          point.alt = dv.getFloat32(p + 28, true);
          const [ve, vn] = [dv.getFloat32(p + 40, true), dv.getFloat32(p + 44, true)];
          point.speed = Math.hypot(ve, vn);
          const heading = point.speed > 0 ? normHeading((Math.atan2(ve, vn) * 180) / Math.PI) : undefined;
          if (heading !== undefined) point.heading = heading;
          if (fix === 2 || fix === 3) point.fix = fix;
          points.push(point);
        }
      } else if (type === 5) {
        const lat = dv.getFloat64(p, true);
        const lon = dv.getFloat64(p + 8, true);
        if (creationTime === undefined) {
          throw invalid('camm_no_time', `${where}: camm type-5 GPS has no time and mvhd has no creation time`);
        }
        if (isValidLatLon(lat, lon)) {
          points.push({ t: Math.round(creationTime + sample.time * 1000), lat, lon, alt: dv.getFloat64(p + 16, true) });
        }
      }
      at = p + size;
    }
  });
  const summary = [...types].map(([t, n]) => `type ${t} x${n}`).join(', ') || 'no packets';
  if (points.length === 0) {
    throw invalid('camm_no_gps', `${where}: camm track has no GPS fix (packet types 5/6); found ${summary}`);
  }
  return { format: 'camm', points, meta: { packets: summary } };
}
