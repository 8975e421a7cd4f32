/**
 * A file's role and content type guessed from its name, shared by the CLI (sdk/node.ts) and the browser's upload
 * form (web/src/driver-upload.ts) so both declare the same file the same way. The server checks the bytes.
 */
import type { DeclaredFile } from './uploads.ts';

const BY_EXTENSION: Record<string, Pick<DeclaredFile, 'role' | 'contentType'>> = {
  mp4: { role: 'video', contentType: 'video/mp4' },
  mov: { role: 'video', contentType: 'video/quicktime' },
  gpx: { role: 'track', contentType: 'application/gpx+xml' },
  csv: { role: 'track', contentType: 'text/csv' },
  json: { role: 'track', contentType: 'application/json' },
  nmea: { role: 'telemetry', contentType: 'text/plain' },
  log: { role: 'telemetry', contentType: 'application/octet-stream' },
  // DJI flight telemetry as subtitles, beside the drone's video.
  srt: { role: 'telemetry', contentType: 'text/plain' },
  jpg: { role: 'image', contentType: 'image/jpeg' },
  jpeg: { role: 'image', contentType: 'image/jpeg' },
  png: { role: 'image', contentType: 'image/png' },
};

/** The extensions describeFile knows, with their dot (for a file picker's `accept`). */
export const KNOWN_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION).map((e) => `.${e}`);

/** Guesses a file's role and content type from its name or path (either separator); unknown names are sidecars. */
export function describeFile(file: string): Pick<DeclaredFile, 'role' | 'contentType'> {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  // As path.extname: a leading dot (".gpx") names a hidden file, not an extension.
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? { role: 'sidecar', contentType: 'application/octet-stream' };
}
