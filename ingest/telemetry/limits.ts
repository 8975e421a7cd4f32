/**
 * Size limits of the telemetry readers, so that a hostile upload ends in a quarantine reason (`telemetry_too_large`)
 * rather than an out-of-memory worker. A TrackPoint costs ~130 bytes of heap, so the default 2 million points (a day
 * and a half of 10 Hz fixes, 9 h of an 18 Hz GoPro) is ~260 MB; workers with a smaller heap lower it with
 * `MAPMINT_MAX_TRACK_POINTS`. JSON is parsed whole by `JSON.parse` (a tree of ~10x the text), so it has a byte cap
 * instead of a streaming parse (as do DJI SRT subtitles, parsed as one text): GeoJSON LineStrings pair a coordinates array with a times array that a streaming
 * reader would have to buffer anyway, and 64 MiB (about a million compact point objects) is far beyond a sidecar.
 */
import { MapmintError } from '../../core/index.ts';

/** Limits every reader honours. */
export interface TelemetryLimits {
  /** Most points a track may have; reading stops with `telemetry_too_large` past it. */
  maxPoints: number;
  /** Largest sidecar parsed whole (JSON, DJI SRT), bytes. */
  maxWholeFileBytes: number;
}

const envNumber = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** The limits in force: `over`, else `MAPMINT_MAX_TRACK_POINTS` / `MAPMINT_MAX_WHOLE_FILE_BYTES`, else defaults. */
export function telemetryLimits(over: Partial<TelemetryLimits> = {}): TelemetryLimits {
  return {
    maxPoints: over.maxPoints ?? envNumber('MAPMINT_MAX_TRACK_POINTS', 2_000_000),
    maxWholeFileBytes: over.maxWholeFileBytes ?? envNumber('MAPMINT_MAX_WHOLE_FILE_BYTES', 64 << 20),
  };
}

/** The error for a track past `maxPoints`, telling the driver what to do. */
export function tooManyPoints(source: string, maxPoints: number): MapmintError {
  return new MapmintError(
    'too_large',
    'telemetry_too_large',
    `${source}: more than ${maxPoints} points, the limit for one upload: split the drive into several uploads ` +
      '(or thin the log to at most 10 fixes a second)',
    { maxPoints },
  );
}
