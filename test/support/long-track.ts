/**
 * Long generated tracks written as GPX, NMEA, CSV or JSON files, streamed to disk in chunks so the test process
 * never holds the whole text: 10 Hz fixes moving north-east at about 15 m/s from 2026-06-01 08:00 UTC.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';

const T0 = Date.UTC(2026, 5, 1, 8);

/** NMEA checksum: XOR of the characters between `$` and `*`. */
function nmea(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

function ddmm(deg: number, width: number): string {
  const d = Math.floor(deg);
  return `${String(d).padStart(width, '0')}${((deg - d) * 60).toFixed(5).padStart(8, '0')}`;
}

function line(format: 'gpx' | 'nmea' | 'csv' | 'json', i: number, n: number): string {
  const t = T0 + i * 100;
  const lat = 48 + i * 1e-5;
  const lon = 11 + i * 1.3e-5;
  const iso = new Date(t).toISOString();
  if (format === 'gpx') return `<trkpt lat="${lat.toFixed(7)}" lon="${lon.toFixed(7)}"><time>${iso}</time></trkpt>\n`;
  if (format === 'csv') return `${iso},${lat.toFixed(7)},${lon.toFixed(7)}\n`;
  if (format === 'json')
    return `{"time":"${iso}","lat":${lat.toFixed(7)},"lon":${lon.toFixed(7)}}${i < n - 1 ? ',' : ''}\n`;
  const d = new Date(t);
  const hms = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 23)}`;
  const date = `${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCFullYear() % 100).padStart(2, '0')}`;
  return `${nmea(`GPRMC,${hms},A,${ddmm(lat, 2)},N,${ddmm(lon, 3)},E,29.2,45.0,${date},,,A`)}\r\n`;
}

const HEAD = {
  gpx: '<?xml version="1.0"?>\n<gpx version="1.1" creator="mapmint-test"><trk><trkseg>\n',
  nmea: '',
  csv: 'time,lat,lon\n',
  json: '[\n',
};
const TAIL = { gpx: '</trkseg></trk></gpx>\n', nmea: '', csv: '', json: ']\n' };

/** Writes an `n`-point track in `format` under `dir` and returns its path. */
export async function writeLongTrack(dir: string, format: 'gpx' | 'nmea' | 'csv' | 'json', n: number): Promise<string> {
  const file = path.join(dir, `long-${n}.${format}`);
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((resolve, reject) => out.write(s, (e) => (e ? reject(e) : resolve())));
  await write(HEAD[format]);
  for (let i = 0; i < n; ) {
    let chunk = '';
    for (const end = Math.min(n, i + 5000); i < end; i++) chunk += line(format, i, n);
    await write(chunk);
  }
  await write(TAIL[format]);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return file;
}
