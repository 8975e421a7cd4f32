/**
 * CSV / TSV sidecar reader. The delimiter (tab, semicolon or comma) is taken from the header line; fields may be
 * quoted as in RFC 4180. Columns are found by name (see fields.ts and README.md). Also reads, by the same rules:
 * - the Hof floating-car data (`id,time,geometry` with WKT `POINT (lon lat)`), one Track per `id`;
 * - the Newson & Krumm Seattle `gps_data.txt` (tab-separated `Date (UTC)`, `Time (UTC)`, `Latitude`, `Longitude`).
 */
import { createReadStream } from 'node:fs';
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { type Field, parseWktPoint, readExtras, readTime, resolveFields } from './fields.ts';
import { telemetryLimits, tooManyPoints } from './limits.ts';
import { isValidLatLon, num, type TelemetryData, toText } from './parse-values.ts';

/** Split one CSV line; double quotes group, and `""` inside quotes is a literal quote (RFC 4180 section 2). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function pickDelimiter(header: string): string {
  if (header.includes('\t')) return '\t';
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/**
 * Streaming CSV state: feed lines with `pushLine` (the header is the first non-blank one), then `finish` for the
 * tracks. Rows become points as they arrive, so memory holds the points, never the text.
 */
class CsvReader {
  private header: { line: number; names: string[]; delimiter: string; cols: Map<Field, number> } | undefined;
  private readonly tracks = new Map<string, TrackPoint[]>();
  private lineNo = 0;
  private count = 0;

  constructor(
    private readonly source: string,
    private readonly maxPoints: number,
  ) {}

  pushLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.lineNo++;
    if (line.trim() === '') return;
    if (!this.header) {
      this.header = this.readHeader(line);
      return;
    }
    if (this.count >= this.maxPoints) throw tooManyPoints(this.source, this.maxPoints);
    const { point, id } = this.readRow(line);
    this.count++;
    const list = this.tracks.get(id);
    if (list) list.push(point);
    else this.tracks.set(id, [point]);
  }

  finish(): Track[] {
    if (!this.header) throw invalid('csv_empty', `${this.source}: no header line`);
    if (this.tracks.size === 0) throw invalid('csv_no_points', `${this.source}: header but no data rows`);
    const { delimiter } = this.header;
    return [...this.tracks].map(([id, points]): Track => {
      const meta: Record<string, string> = { delimiter };
      if (id !== '') meta['id'] = id;
      return { format: 'csv', points, meta };
    });
  }

  private readHeader(header: string) {
    const delimiter = pickDelimiter(header);
    const names = splitCsvLine(header, delimiter);
    const cols = resolveFields(names);
    const hasPosition = (cols.has('lat') && cols.has('lon')) || cols.has('geometry');
    if (!hasPosition || !(cols.has('time') || cols.has('date'))) {
      throw invalid(
        'csv_missing_columns',
        `${this.source}: header line ${this.lineNo} [${names.join('|')}] needs latitude/longitude (or WKT geometry) ` +
          'and time columns; see ingest/telemetry/README.md for accepted names',
        { line: this.lineNo },
      );
    }
    return { line: this.lineNo, names, delimiter, cols };
  }

  private readRow(line: string): { point: TrackPoint; id: string } {
    const { cols, delimiter } = this.header!;
    const n = this.lineNo;
    const cells = splitCsvLine(line, delimiter);
    const get = (f: Field): string | undefined => {
      const c = cols.get(f);
      const v = c === undefined ? undefined : cells[c]?.trim();
      return v === '' ? undefined : v;
    };
    const where = `${this.source}: line ${n}`;
    let lat = num(get('lat'));
    let lon = num(get('lon'));
    let alt: number | undefined;
    const geom = get('geometry');
    if ((lat === undefined || lon === undefined) && geom !== undefined) {
      const p = parseWktPoint(geom);
      if (!p) throw invalid('csv_bad_row', `${where}: geometry "${geom}" is not a WKT POINT`, { line: n });
      [lon, lat, alt] = p;
    }
    if (lat === undefined || lon === undefined || !isValidLatLon(lat, lon)) {
      throw invalid(
        'csv_bad_row',
        `${where}: latitude "${get('lat') ?? ''}" / longitude "${get('lon') ?? ''}" invalid`,
        {
          line: n,
        },
      );
    }
    const t = readTime(get);
    if (t === undefined) {
      const raw = [get('date'), get('time')].filter((v) => v !== undefined).join(' ');
      throw invalid('csv_bad_time', `${where}: time "${raw}" is not ISO 8601, Unix s/ms or date + time`, { line: n });
    }
    const point: TrackPoint = { t, lat, lon, ...readExtras(get) };
    if (alt !== undefined && point.alt === undefined) point.alt = alt;
    return { point, id: get('id') ?? '' };
  }
}

/** Parse CSV text into one Track per track id (a single Track when there is no id column). */
export function parseCsvTracks(data: TelemetryData, source = 'csv', opts: { maxPoints?: number } = {}): Track[] {
  const reader = new CsvReader(source, opts.maxPoints ?? telemetryLimits().maxPoints);
  const text = toText(data);
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    reader.pushLine(text.slice(start, end));
    start = end + 1;
  }
  return reader.finish();
}

/** Stream a CSV file from disk line by line into one Track per track id (memory holds the points, not the text). */
export async function readCsvFileTracks(path: string, opts: { maxPoints?: number } = {}): Promise<Track[]> {
  const reader = new CsvReader(path, opts.maxPoints ?? telemetryLimits().maxPoints);
  let rest = '';
  let first = true;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    let text = rest + (chunk as string);
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      reader.pushLine(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    // No CSV row of a track is 1 MiB long: a file without line breaks is not a track, and must not grow a string.
    if (rest.length > 1 << 20) throw invalid('csv_bad_row', `${path}: a line longer than 1 MiB`, { line: 0 });
  }
  reader.pushLine(rest);
  return reader.finish();
}

/** Parse CSV text holding one track; several track ids raise `csv_multiple_tracks` (use parseCsvTracks). */
export function parseCsv(data: TelemetryData, source = 'csv', opts: { maxPoints?: number } = {}): Track {
  return oneTrack(parseCsvTracks(data, source, opts), source);
}

/** Stream a CSV file holding one track (see parseCsv). */
export async function readCsvFile(path: string, opts: { maxPoints?: number } = {}): Promise<Track> {
  return oneTrack(await readCsvFileTracks(path, opts), path);
}

function oneTrack(tracks: Track[], source: string): Track {
  if (tracks.length > 1) {
    throw invalid(
      'csv_multiple_tracks',
      `${source}: the id column holds ${tracks.length} tracks; read it with parseCsvTracks to get one Track per id`,
      { tracks: tracks.length },
    );
  }
  return tracks[0]!;
}
