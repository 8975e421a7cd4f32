/**
 * NMEA 0183 log reader: RMC, GGA, VTG (plus GSA for the fix mode and ZDA for the date), any talker.
 *
 * Sentences are grouped into epochs the way gpsd's NMEA driver does: every sentence carrying the same time of day
 * belongs to one reporting cycle, untimed sentences (VTG, GSA) join the cycle in progress, and a new time of day
 * closes the cycle (gpsd `nmea_parse` end-of-cycle detector). One epoch gives at most one TrackPoint.
 *
 * A fix is reported when the epoch is valid and dated:
 * - valid: the epoch's RMC says status A or D (and FAA mode is not N); with no RMC, the GGA quality is 1-5
 *   (GPS, DGPS, PPS, RTK fixed, RTK float). Quality 6 (dead reckoning), 7 (manual) and 8 (simulator) are not fixes.
 * - dated: the date comes from the last valid RMC or ZDA, as in gpsd (`merge_ddmmyy` runs only for status A/D,
 *   because receivers such as the MTK3301 send bogus dates with status V). GGA has only a time of day; when it
 *   steps back by more than 12 h the day rolls over (gpsd does the same on a decreasing hour).
 * Bad checksums and malformed sentences are skipped and counted in `meta`.
 */
import { createReadStream } from 'node:fs';
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { telemetryLimits, tooManyPoints } from './limits.ts';
import {
  decimals,
  decodeCoord,
  decodeDdmmyy,
  decodeTimeOfDay,
  type Sentence,
  scanLine,
  utcMidnight,
} from './nmea-sentence.ts';
import { DAY_MS, KMH_TO_MPS, KNOTS_TO_MPS, normHeading, num, type TelemetryData, toLatin1 } from './parse-values.ts';

interface Position {
  lat: number;
  lon: number;
  digits: number;
}

interface Epoch {
  tod: number;
  line: number;
  rmcValid?: boolean;
  rmcPos?: Position;
  speed?: number;
  heading?: number;
  ggaQuality?: number;
  ggaPos?: Position;
  alt?: number;
  satellites?: number;
  hdop?: number;
  vtgSpeed?: number;
  vtgHeading?: number;
  gsaMode?: number;
}

/** Counters reported in `Track.meta` so a caller can see what was skipped and why. */
export interface NmeaStats {
  lines: number;
  sentences: number;
  badChecksums: number;
  malformed: number;
  epochs: number;
  invalidEpochs: number;
  undatedFixes: number;
}

// A backward step of more than half a day in the time of day means midnight passed (see the module comment).
const ROLLOVER_MS = DAY_MS / 2;

/** Incremental NMEA parser: feed lines with `pushLine`, then call `finish` for the Track. */
export class NmeaParser {
  readonly stats: NmeaStats = {
    lines: 0,
    sentences: 0,
    badChecksums: 0,
    malformed: 0,
    epochs: 0,
    invalidEpochs: 0,
    undatedFixes: 0,
  };
  private readonly points: TrackPoint[] = [];
  private readonly talkers = new Set<string>();
  private epoch: Epoch | undefined;
  private day: number | undefined;
  private lastTod: number | undefined;
  private readonly maxPoints: number;

  /** `maxPoints`: most fixes before `telemetry_too_large` (default from `telemetryLimits()`). */
  constructor(
    private readonly source = 'nmea',
    opts: { maxPoints?: number } = {},
  ) {
    this.maxPoints = opts.maxPoints ?? telemetryLimits().maxPoints;
  }

  /** Feed one line of the log (latin1 text, without the line break). */
  pushLine(text: string): void {
    const line = ++this.stats.lines;
    if (text.startsWith('#')) return; // gpsd test logs carry a comment header
    const scan = scanLine(text, line);
    this.stats.badChecksums += scan.badChecksums;
    for (const s of scan.sentences) {
      this.stats.sentences++;
      if (!this.handle(s)) this.stats.malformed++;
    }
  }

  /** Close the last epoch and return the track; throws `nmea_no_fixes` when nothing usable was found. */
  finish(): Track {
    this.flush();
    const st = this.stats;
    if (this.points.length === 0) {
      const what =
        st.sentences === 0
          ? `no NMEA sentence with a valid checksum in ${st.lines} lines (${st.badChecksums} bad checksums)`
          : `no valid dated fix in ${st.lines} lines: ${st.sentences} sentences, ${st.epochs} epochs, ` +
            `${st.invalidEpochs} without a fix, ${st.undatedFixes} fixes before any RMC/ZDA date, ` +
            `${st.badChecksums} bad checksums`;
      throw invalid(st.sentences === 0 ? 'nmea_no_sentences' : 'nmea_no_fixes', what, { ...st });
    }
    const meta: Record<string, string> = { talkers: [...this.talkers].sort().join(',') };
    for (const [k, v] of Object.entries(st)) meta[k] = String(v);
    return { format: 'nmea', points: this.points, meta };
  }

  private handle(s: Sentence): boolean {
    if (s.talker) this.talkers.add(s.talker);
    const f = s.fields;
    switch (s.type) {
      case 'RMC':
        return this.rmc(f, s.line);
      case 'GGA':
        return this.gga(f, s.line);
      case 'VTG':
        return this.vtg(f);
      case 'GSA': {
        const mode = Number(f[1]);
        if (this.epoch && (mode === 1 || mode === 2 || mode === 3)) this.epoch.gsaMode = mode;
        return true;
      }
      case 'ZDA': {
        const tod = decodeTimeOfDay(f[0]);
        const day = utcMidnight(Number(f[3]), Number(f[2]), Number(f[1]));
        if (tod === undefined || day === undefined) return false;
        this.at(tod, s.line);
        this.day = day;
        return true;
      }
      default:
        return true; // GSV, GLL, TXT, proprietary: not needed for a track
    }
  }

  /** Enter the epoch for this time of day, closing the previous one when the time changed. */
  private at(tod: number, line: number): Epoch {
    if (this.epoch && this.epoch.tod === tod) return this.epoch;
    this.flush();
    if (this.day !== undefined && this.lastTod !== undefined && tod < this.lastTod - ROLLOVER_MS) this.day += DAY_MS;
    this.lastTod = tod;
    this.epoch = { tod, line };
    return this.epoch;
  }

  private rmc(f: string[], line: number): boolean {
    const tod = decodeTimeOfDay(f[0]);
    if (tod === undefined) return false;
    const e = this.at(tod, line);
    const status = f[1];
    // FAA mode N ("data not valid", NMEA 2.3+) overrides an A status, as gpsd's faa_mode() does.
    const valid = (status === 'A' || status === 'D') && f[11] !== 'N';
    e.rmcValid = valid;
    if (!valid) return true;
    const day = decodeDdmmyy(f[8]);
    if (day !== undefined) this.day = day;
    const lat = decodeCoord(f[2], f[3], true);
    const lon = decodeCoord(f[4], f[5], false);
    if (lat !== undefined && lon !== undefined) e.rmcPos = { lat, lon, digits: decimals(f[2]) };
    const knots = num(f[6]);
    if (knots !== undefined) e.speed = knots * KNOTS_TO_MPS;
    e.heading = normHeading(num(f[7]));
    return lat !== undefined && lon !== undefined;
  }

  private gga(f: string[], line: number): boolean {
    const tod = decodeTimeOfDay(f[0]);
    if (tod === undefined) return false;
    const e = this.at(tod, line);
    const quality = num(f[5]) ?? 0;
    e.ggaQuality = quality;
    if (quality < 1 || quality > 5) return true;
    const lat = decodeCoord(f[1], f[2], true);
    const lon = decodeCoord(f[3], f[4], false);
    if (lat === undefined || lon === undefined) return false;
    e.ggaPos = { lat, lon, digits: decimals(f[1]) };
    e.satellites = num(f[6]);
    e.hdop = num(f[7]);
    e.alt = num(f[8]); // metres above mean sea level (NMEA GGA field 9)
    return true;
  }

  private vtg(f: string[]): boolean {
    const e = this.epoch;
    if (!e) return true;
    // NMEA 2.3+ VTG has unit letters (054.7,T,034.4,M,005.5,N,010.2,K,A); pre-2.0 VTG has 4 bare numbers.
    const modern = f[1] === 'T';
    if (modern && (f[8] === 'N' || f[8] === 'E')) return true; // gpsd processVTG ignores not-valid/estimated
    const course = num(f[0]);
    const knots = num(modern ? f[4] : f[2]);
    const kmh = num(modern ? f[6] : f[3]);
    e.vtgHeading = normHeading(course);
    e.vtgSpeed = knots !== undefined ? knots * KNOTS_TO_MPS : kmh !== undefined ? kmh * KMH_TO_MPS : undefined;
    return true;
  }

  private flush(): void {
    const e = this.epoch;
    this.epoch = undefined;
    if (!e) return;
    this.stats.epochs++;
    const ggaFix = e.ggaQuality !== undefined && e.ggaQuality >= 1 && e.ggaQuality <= 5;
    const valid = e.rmcValid ?? ggaFix;
    // Of two positions in one epoch, keep the one printed with more decimals (Trimble GGA carries 8, RMC fewer on
    // some receivers); equal precision means equal values, and GGA is taken.
    const pos =
      e.ggaPos && e.rmcPos ? (e.rmcPos.digits > e.ggaPos.digits ? e.rmcPos : e.ggaPos) : (e.ggaPos ?? e.rmcPos);
    if (!valid || !pos) {
      this.stats.invalidEpochs++;
      return;
    }
    if (this.day === undefined) {
      this.stats.undatedFixes++;
      return;
    }
    const p: TrackPoint = { t: this.day + e.tod, lat: pos.lat, lon: pos.lon };
    if (ggaFix && e.alt !== undefined) p.alt = e.alt;
    const speed = e.speed ?? e.vtgSpeed;
    if (speed !== undefined) p.speed = speed;
    const heading = e.heading ?? e.vtgHeading;
    if (heading !== undefined) p.heading = heading;
    if (ggaFix && e.hdop !== undefined) p.hdop = e.hdop;
    if (ggaFix && e.satellites !== undefined) p.satellites = e.satellites;
    // GSA states 2D/3D outright; without it an altitude from a fixing GGA implies 3D, as in gpsd's RMC/GLL paths.
    p.fix = e.gsaMode === 2 || e.gsaMode === 3 ? e.gsaMode : ggaFix && e.alt !== undefined ? 3 : 2;
    if (this.points.length >= this.maxPoints) throw tooManyPoints(this.source, this.maxPoints);
    this.points.push(p);
  }
}

/** Parse a whole NMEA log held in memory (text or bytes; bytes are read as latin1 so binary junk is harmless). */
export function parseNmea(data: TelemetryData): Track {
  const parser = new NmeaParser();
  const text = toLatin1(data);
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    parser.pushLine(text.slice(start, end));
    start = end + 1;
  }
  return parser.finish();
}

/** Stream an NMEA log from disk line by line (constant memory for long drives). */
export async function readNmeaFile(path: string, opts: { maxPoints?: number } = {}): Promise<Track> {
  const parser = new NmeaParser(path, opts);
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'latin1', highWaterMark: 1 << 16 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      parser.pushLine(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    // A "line" of binary junk without any newline must not grow without bound: NMEA lines are < 100 chars.
    if (rest.length > 1 << 16) {
      parser.pushLine(rest);
      rest = '';
    }
  }
  parser.pushLine(rest);
  return parser.finish();
}
