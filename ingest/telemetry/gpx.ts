/**
 * GPX 1.0 / 1.1 reader on the `saxes` streaming XML parser (memory stays flat however long the file is).
 *
 * Reads `trkpt` of every `trk`/`trkseg`; falls back to `rtept` only when the file has no track points (a route is a
 * plan, a track is a recording). Per point: `ele`, `time`, `hdop`, `sat`, `fix` (GPX 1.1 section "fixType"),
 * and `speed`/`course`, which GPX 1.0 has as plain children and GPX 1.1 carries in `extensions` (Garmin
 * TrackPointExtension v2 `gpxtpx:speed`/`gpxtpx:course`). Namespace prefixes are ignored: only local names matter.
 */
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { invalid, MapmintError, type Track, type TrackPoint } from '../../core/index.ts';
import { telemetryLimits, tooManyPoints } from './limits.ts';
import { isValidLatLon, normHeading, num, parseTime, type TelemetryData, toText } from './parse-values.ts';

/** Options for the GPX reader. */
export interface GpxOptions {
  /**
   * What to do with a point that has no `<time>`: `'throw'` (default, a drive needs times) raises `gpx_missing_time`;
   * `'drop'` leaves the point out (GPSBabel exports mix timed and untimed tracks); `'nan'` keeps it with `t: NaN`
   * for callers that only need geometry (routes drawn in an editor).
   */
  missingTime?: 'throw' | 'drop' | 'nan';
  /** Most points read before `telemetry_too_large`; default from `telemetryLimits()`. */
  maxPoints?: number;
}

// Child elements whose text we keep, by local name; speed/course may sit at any depth inside <extensions>.
const FIELDS = new Set(['ele', 'time', 'hdop', 'sat', 'fix', 'speed', 'course']);
const FIX: Record<string, 0 | 2 | 3> = { none: 0, '2d': 2, '3d': 3, dgps: 3, pps: 3 };

interface OpenPoint {
  kind: 'trk' | 'rte';
  line: number;
  lat: number;
  lon: number;
  values: Map<string, string>;
}

const local = (name: string): string => name.slice(name.indexOf(':') + 1);

/** Streaming GPX state machine: feed chunks with `write`, then `finish` for the Track. */
class GpxReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly trk: TrackPoint[] = [];
  private readonly rte: TrackPoint[] = [];
  private readonly meta: Record<string, string> = {};
  private readonly stack: string[] = [];
  private point: OpenPoint | undefined;
  private field: string | undefined;
  private text = '';
  private sawRoot = false;
  /** Line of the first point without <time>, per kind; the missing-time policy applies at the end. */
  private readonly firstUntimed = new Map<'trk' | 'rte', number>();
  private readonly maxPoints: number;

  constructor(
    private readonly source: string,
    private readonly options: GpxOptions,
  ) {
    this.maxPoints = options.maxPoints ?? telemetryLimits().maxPoints;
    const p = this.parser;
    p.on('error', (e) => {
      throw invalid('gpx_malformed', `${source}: XML error at line ${p.line}, column ${p.column}: ${e.message}`, {
        line: p.line,
        column: p.column,
      });
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', (tag) => this.close(tag));
    p.on('text', (t) => {
      if (this.field) this.text += t;
    });
    p.on('cdata', (t) => {
      if (this.field) this.text += t;
    });
  }

  write(chunk: string): void {
    try {
      this.parser.write(chunk);
    } catch (e) {
      throw this.wrap(e);
    }
  }

  finish(): Track {
    try {
      this.parser.close();
    } catch (e) {
      throw this.wrap(e);
    }
    if (!this.sawRoot) throw invalid('gpx_not_gpx', `${this.source}: the root element is not <gpx>`);
    const kind = this.trk.length > 0 ? 'trk' : 'rte';
    let points = kind === 'trk' ? this.trk : this.rte;
    const untimedLine = this.firstUntimed.get(kind);
    const policy = this.options.missingTime ?? 'throw';
    if (untimedLine !== undefined && policy === 'throw') {
      throw invalid(
        'gpx_missing_time',
        `${this.source}: <${kind}pt> at line ${untimedLine} has no <time> (missingTime 'drop' or 'nan' reads it anyway)`,
        { line: untimedLine },
      );
    }
    if (untimedLine !== undefined && policy === 'drop') {
      const before = points.length;
      points = points.filter((pt) => Number.isFinite(pt.t));
      this.meta['droppedUntimed'] = String(before - points.length);
    }
    if (points.length === 0) {
      throw invalid('gpx_no_points', `${this.source}: no <trkpt> or <rtept>${untimedLine ? ' with a <time>' : ''}`);
    }
    this.meta['source'] = kind;
    return { format: 'gpx', points, meta: this.meta };
  }

  private wrap(e: unknown): MapmintError {
    if (e instanceof MapmintError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    return invalid('gpx_malformed', `${this.source}: XML error near line ${this.parser.line}: ${msg}`);
  }

  private open(tag: SaxesTagPlain): void {
    const name = local(tag.name);
    const depth = this.stack.length;
    this.stack.push(name);
    if (depth === 0) {
      if (name !== 'gpx') throw invalid('gpx_not_gpx', `${this.source}: root element is <${tag.name}>, not <gpx>`);
      this.sawRoot = true;
      for (const k of ['version', 'creator']) {
        const v = tag.attributes[k];
        if (typeof v === 'string') this.meta[k] = v;
      }
      return;
    }
    if (this.point) {
      // Plain children of the point, or speed/course anywhere below it (inside <extensions>).
      const direct = depth === this.pointDepth() + 1;
      if (FIELDS.has(name) && (direct || name === 'speed' || name === 'course')) {
        this.field = name;
        this.text = '';
      }
      return;
    }
    const parent = this.stack[depth - 1];
    if ((name === 'trkpt' && parent === 'trkseg') || (name === 'rtept' && parent === 'rte')) {
      const line = this.parser.line;
      const lat = num(String(tag.attributes['lat'] ?? ''));
      const lon = num(String(tag.attributes['lon'] ?? ''));
      if (lat === undefined || lon === undefined || !isValidLatLon(lat, lon)) {
        throw invalid(
          'gpx_bad_point',
          `${this.source}: <${tag.name}> at line ${line} has lat="${tag.attributes['lat'] ?? ''}" ` +
            `lon="${tag.attributes['lon'] ?? ''}" (need decimal degrees within ±90/±180)`,
          { line },
        );
      }
      this.point = { kind: name === 'trkpt' ? 'trk' : 'rte', line, lat, lon, values: new Map() };
    }
  }

  private pointDepth(): number {
    // The point element sits at the deepest trkpt/rtept entry of the stack.
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i];
      if (n === 'trkpt' || n === 'rtept') return i;
    }
    return -1;
  }

  private close(tag: SaxesTagPlain): void {
    const name = local(tag.name);
    this.stack.pop();
    const p = this.point;
    if (!p) return;
    if (this.field === name) {
      // The first value wins: GPX 1.0 <speed> before any extension duplicate.
      if (!p.values.has(name)) p.values.set(name, this.text.trim());
      this.field = undefined;
      return;
    }
    if ((name === 'trkpt' || name === 'rtept') && this.pointDepth() < 0) {
      this.point = undefined;
      if (this.trk.length + this.rte.length >= this.maxPoints) throw tooManyPoints(this.source, this.maxPoints);
      (p.kind === 'trk' ? this.trk : this.rte).push(this.toPoint(p));
    }
  }

  private toPoint(p: OpenPoint): TrackPoint {
    const v = p.values;
    const timeText = v.get('time');
    let t = Number.NaN;
    if (timeText !== undefined) {
      const parsed = parseTime(timeText);
      if (parsed === undefined) {
        throw invalid(
          'gpx_bad_time',
          `${this.source}: point at line ${p.line} has unreadable <time>${timeText}</time>`,
          {
            line: p.line,
          },
        );
      }
      t = parsed;
    } else if (!this.firstUntimed.has(p.kind)) {
      this.firstUntimed.set(p.kind, p.line);
    }
    const out: TrackPoint = { t, lat: p.lat, lon: p.lon };
    const ele = num(v.get('ele'));
    if (ele !== undefined) out.alt = ele;
    const speed = num(v.get('speed'));
    if (speed !== undefined && speed >= 0) out.speed = speed; // GPX speed is m/s (GPX 1.0 schema)
    const heading = normHeading(num(v.get('course')));
    if (heading !== undefined) out.heading = heading;
    const hdop = num(v.get('hdop'));
    if (hdop !== undefined) out.hdop = hdop;
    const sat = num(v.get('sat'));
    if (sat !== undefined) out.satellites = sat;
    const fix = FIX[v.get('fix') ?? ''];
    if (fix !== undefined) out.fix = fix;
    return out;
  }
}

/** Parse a GPX document held in memory (string or UTF-8 bytes). */
export function parseGpx(data: TelemetryData, options: GpxOptions = {}, source = 'gpx'): Track {
  const reader = new GpxReader(source, options);
  reader.write(toText(data));
  return reader.finish();
}

/** Stream a GPX file from disk through the SAX parser. */
export async function readGpxFile(path: string, options: GpxOptions = {}): Promise<Track> {
  const reader = new GpxReader(path, options);
  let first = true;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    let text = chunk as string;
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    reader.write(text);
  }
  return reader.finish();
}
