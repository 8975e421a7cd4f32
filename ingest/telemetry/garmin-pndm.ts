/**
 * Garmin dash cam GPS: a timed `text` track (some files: `sbtl`/`tx3g` after concatenation) whose samples are binary
 * `PNDM` records, as exiftool's QuickTimeStream.pl (ProcessSamples, "Garmin Dashcam format") documents them, with an
 * optional 4-byte size word first and then, from the `PNDM` tag, big-endian fields: speed u16 at +8 (mph), latitude
 * and longitude int32 at +12 and +16 in Garmin semicircles (degrees = value x 180 / 2^31). A record carries no time:
 * each fix is dated by the movie's `mvhd` creation time plus its sample time, as exiftool does, and the track says so
 * (`meta.clock = mvhd`); Garmin cameras set that clock from GPS, but the record itself cannot prove it.
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { tooManyPoints } from './limits.ts';
import { isValidLatLon } from './parse-values.ts';

const MPH_TO_MPS = 0.44704;
const SEMICIRCLE = 180 / 2 ** 31;

/** Where the `PNDM` tag starts in a sample (0, or 4 after a size word), or -1 when the sample is not a record. */
function pndmAt(b: Uint8Array): number {
  const tag = (at: number) => b[at] === 0x50 && b[at + 1] === 0x4e && b[at + 2] === 0x44 && b[at + 3] === 0x4d;
  if (tag(0)) return 0;
  return b[0] === 0 && tag(4) ? 4 : -1;
}

/** True when a text-track sample is a Garmin `PNDM` record. */
export function isPndm(sample: Uint8Array): boolean {
  return pndmAt(sample) >= 0;
}

/** Position and speed of one `PNDM` record; undefined when it is too short or has no fix (0, 0). */
export function decodePndm(sample: Uint8Array): Omit<TrackPoint, 't'> | undefined {
  const n = pndmAt(sample);
  if (n < 0 || sample.length < n + 20) return undefined;
  const dv = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  const lat = dv.getInt32(n + 12) * SEMICIRCLE;
  const lon = dv.getInt32(n + 16) * SEMICIRCLE;
  if ((lat === 0 && lon === 0) || !isValidLatLon(lat, lon)) return undefined;
  return { lat, lon, speed: dv.getUint16(n + 8) * MPH_TO_MPS };
}

/** Garmin records read one sample at a time: only the fixes are kept. */
export class GarminCollector {
  private readonly points: TrackPoint[] = [];
  private records = 0;
  private firstFixMediaMs: number | undefined;

  constructor(
    private readonly creationTime: number | undefined,
    private readonly where: string,
    private readonly maxPoints = Number.POSITIVE_INFINITY,
  ) {}

  /** One sample of the track at `time` seconds on the track clock. */
  add(sample: Uint8Array, time: number): void {
    if (!isPndm(sample)) return;
    this.records++;
    const fix = decodePndm(sample);
    if (!fix) return;
    if (this.creationTime === undefined) {
      throw invalid('garmin_no_time', `${this.where}: Garmin GPS records have no time and mvhd has no creation time`);
    }
    if (this.points.length >= this.maxPoints) throw tooManyPoints(this.where, this.maxPoints);
    this.firstFixMediaMs ??= time * 1000;
    this.points.push({ t: Math.round(this.creationTime + time * 1000), ...fix });
  }

  /** The track; undefined when no sample was a `PNDM` record; `gps_no_fix` when none had a position. */
  finish(source: string): Track | undefined {
    if (this.records === 0) return undefined;
    if (this.points.length === 0) {
      throw invalid('gps_no_fix', `${this.where}: ${this.records} Garmin GPS records, none with a position`);
    }
    const firstFixMediaMs = String(this.firstFixMediaMs ?? 0);
    const meta = { source, records: String(this.records), clock: 'mvhd', firstFixMediaMs };
    return { format: 'garmin', points: this.points, meta };
  }
}
