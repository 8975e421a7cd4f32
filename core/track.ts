/** One GPS fix, normalised from whatever format it came in. Times are Unix milliseconds (UTC). */
export interface TrackPoint {
  /** Unix time in milliseconds, UTC. */
  t: number;
  lat: number;
  lon: number;
  /** Metres above the WGS84 ellipsoid or mean sea level, as the source gives it. */
  alt?: number;
  /** Ground speed in metres per second. */
  speed?: number;
  /** Course over ground in degrees clockwise from true north, [0, 360). */
  heading?: number;
  /** Horizontal dilution of precision. */
  hdop?: number;
  /** Fix quality: 0 none, 2 = 2D, 3 = 3D (gpsd's `mode`). */
  fix?: 0 | 2 | 3;
  satellites?: number;
}

/** Telemetry formats mapmint reads. */
export type TrackFormat =
  | 'gpx'
  | 'nmea'
  | 'gpmf'
  | 'camm'
  | 'novatek'
  | 'blackvue'
  | 'nextbase'
  | 'garmin'
  | 'sony-rtmd'
  | 'dji-srt'
  | 'csv'
  | 'json'
  | 'exif';

/** A normalised track: points sorted as the source gave them (validation checks the order). */
export interface Track {
  format: TrackFormat;
  points: TrackPoint[];
  /** Free-form facts from the source (device name, creator, stream names). */
  meta?: Record<string, string>;
}
