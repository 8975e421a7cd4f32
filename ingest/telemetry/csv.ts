/**
 * CSV / TSV sidecar reader. The delimiter (tab, semicolon or comma) is taken from the header line; fields may be
 * quoted as in RFC 4180. Columns are found by name (see fields.ts and README.md). Also reads, by the same rules:
 * - the Hof floating-car data (`id,time,geometry` with WKT `POINT (lon lat)`), one Track per `id`;
 * - the Newson & Krumm Seattle `gps_data.txt` (tab-separated `Date (UTC)`, `Time (UTC)`, `Latitude`, `Longitude`).
 */
import { invalid, type Track, type TrackPoint } from '../../core/index.ts';
import { type Field, parseWktPoint, readExtras, readTime, resolveFields } from './fields.ts';
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

/** Parse CSV text into one Track per track id (a single Track when there is no id column). */
export function parseCsvTracks(data: TelemetryData, source = 'csv'): Track[] {
  const lines = toText(data).split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw invalid('csv_empty', `${source}: no header line`);
  const header = lines[headerIndex]!;
  const delimiter = pickDelimiter(header);
  const names = splitCsvLine(header, delimiter);
  const cols = resolveFields(names);
  const hasPosition = (cols.has('lat') && cols.has('lon')) || cols.has('geometry');
  if (!hasPosition || !(cols.has('time') || cols.has('date'))) {
    throw invalid(
      'csv_missing_columns',
      `${source}: header line ${headerIndex + 1} [${names.join('|')}] needs latitude/longitude (or WKT geometry) ` +
        'and time columns; see ingest/telemetry/README.md for accepted names',
      { line: headerIndex + 1 },
    );
  }
  const tracks = new Map<string, TrackPoint[]>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line, delimiter);
    const get = (f: Field): string | undefined => {
      const c = cols.get(f);
      const v = c === undefined ? undefined : cells[c]?.trim();
      return v === '' ? undefined : v;
    };
    const where = `${source}: line ${i + 1}`;
    let lat = num(get('lat'));
    let lon = num(get('lon'));
    let alt: number | undefined;
    const geom = get('geometry');
    if ((lat === undefined || lon === undefined) && geom !== undefined) {
      const p = parseWktPoint(geom);
      if (!p) throw invalid('csv_bad_row', `${where}: geometry "${geom}" is not a WKT POINT`, { line: i + 1 });
      [lon, lat, alt] = p;
    }
    if (lat === undefined || lon === undefined || !isValidLatLon(lat, lon)) {
      throw invalid(
        'csv_bad_row',
        `${where}: latitude "${get('lat') ?? ''}" / longitude "${get('lon') ?? ''}" invalid`,
        {
          line: i + 1,
        },
      );
    }
    const t = readTime(get);
    if (t === undefined) {
      const raw = [get('date'), get('time')].filter((v) => v !== undefined).join(' ');
      throw invalid('csv_bad_time', `${where}: time "${raw}" is not ISO 8601, Unix s/ms or date + time`, {
        line: i + 1,
      });
    }
    const point: TrackPoint = { t, lat, lon, ...readExtras(get) };
    if (alt !== undefined && point.alt === undefined) point.alt = alt;
    const id = get('id') ?? '';
    const list = tracks.get(id);
    if (list) list.push(point);
    else tracks.set(id, [point]);
  }
  if (tracks.size === 0) throw invalid('csv_no_points', `${source}: header but no data rows`);
  return [...tracks].map(([id, points]): Track => {
    const meta: Record<string, string> = { delimiter };
    if (id !== '') meta['id'] = id;
    return { format: 'csv', points, meta };
  });
}

/** Parse CSV text holding one track; several track ids raise `csv_multiple_tracks` (use parseCsvTracks). */
export function parseCsv(data: TelemetryData, source = 'csv'): Track {
  const tracks = parseCsvTracks(data, source);
  if (tracks.length > 1) {
    throw invalid(
      'csv_multiple_tracks',
      `${source}: the id column holds ${tracks.length} tracks; read it with parseCsvTracks to get one Track per id`,
      { tracks: tracks.length },
    );
  }
  return tracks[0]!;
}
