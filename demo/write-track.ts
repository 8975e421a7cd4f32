import type { TrackPoint } from '../core/index.ts';

/** Header of `track.csv`. */
export const TRACK_CSV_HEADER = 'time,lat,lon,alt,speed,heading,hdop,satellites';

/**
 * GPX 1.1 of the noisy track. Per point: `ele` (m), `time` (ISO 8601 UTC, ms), `fix` (3d), `sat`, `hdop`, and
 * speed (m/s) and course (deg) in Garmin's TrackPointExtension v2 (`gpxtpx:speed`, `gpxtpx:course`), because
 * GPX 1.1 dropped GPX 1.0's `speed`/`course` elements and that extension is what most readers understand.
 */
export function toGpx(points: readonly TrackPoint[], opts: { name: string; creator?: string }): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<gpx version="1.1" creator="${xmlEscape(opts.creator ?? 'mapmint demo generator')}"`,
    '  xmlns="http://www.topografix.com/GPX/1/1"',
    '  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"',
    '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd http://www.garmin.com/xmlschemas/TrackPointExtension/v2 http://www.garmin.com/xmlschemas/TrackPointExtensionv2.xsd">',
  ];
  const start = points[0];
  if (start) lines.push(`  <metadata><time>${iso(start.t)}</time></metadata>`);
  lines.push('  <trk>', `    <name>${xmlEscape(opts.name)}</name>`, '    <trkseg>');
  for (const p of points) {
    lines.push(`      <trkpt lat="${p.lat.toFixed(7)}" lon="${p.lon.toFixed(7)}">`);
    if (p.alt !== undefined) lines.push(`        <ele>${p.alt.toFixed(1)}</ele>`);
    lines.push(`        <time>${iso(p.t)}</time>`);
    if (p.fix) lines.push(`        <fix>${p.fix === 3 ? '3d' : '2d'}</fix>`);
    if (p.satellites !== undefined) lines.push(`        <sat>${p.satellites}</sat>`);
    if (p.hdop !== undefined) lines.push(`        <hdop>${p.hdop.toFixed(1)}</hdop>`);
    if (p.speed !== undefined || p.heading !== undefined) {
      lines.push('        <extensions><gpxtpx:TrackPointExtension>');
      if (p.speed !== undefined) lines.push(`          <gpxtpx:speed>${p.speed.toFixed(2)}</gpxtpx:speed>`);
      if (p.heading !== undefined) lines.push(`          <gpxtpx:course>${p.heading.toFixed(1)}</gpxtpx:course>`);
      lines.push('        </gpxtpx:TrackPointExtension></extensions>');
    }
    lines.push('      </trkpt>');
  }
  lines.push('    </trkseg>', '  </trk>', '</gpx>', '');
  return lines.join('\n');
}

/** CSV of the noisy track: time (ISO 8601 UTC), lat, lon (deg), alt (m), speed (m/s), heading (deg), hdop, satellites. */
export function toCsv(points: readonly TrackPoint[]): string {
  const rows = [TRACK_CSV_HEADER];
  for (const p of points) {
    rows.push(
      [
        iso(p.t),
        p.lat.toFixed(7),
        p.lon.toFixed(7),
        p.alt?.toFixed(1) ?? '',
        p.speed?.toFixed(2) ?? '',
        p.heading?.toFixed(1) ?? '',
        p.hdop?.toFixed(1) ?? '',
        p.satellites ?? '',
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}

/** ISO 8601 UTC with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
