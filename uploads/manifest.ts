import { createHash } from 'node:crypto';
import type { UploadManifest } from '../api/index.ts';
import type { FileRole } from '../core/index.ts';
import { canonicalTimeZone, invalid, MapmintError } from '../core/index.ts';
import { manifestSignatureSchema } from './device-keys.ts';

/** Content types accepted per role; anything else is answered with 415. */
export const CONTENT_TYPES: Record<FileRole, string[]> = {
  video: ['video/mp4', 'video/quicktime'],
  telemetry: ['application/octet-stream', 'text/plain', 'text/x-nmea'],
  track: ['application/gpx+xml', 'application/xml', 'text/xml', 'text/csv', 'application/json', 'text/plain'],
  image: ['image/jpeg', 'image/png'],
  sidecar: ['application/json', 'text/plain', 'application/octet-stream'],
};

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

/** JSON Schema of the manifest: Fastify validates requests with it and the OpenAPI description shows it. */
export const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'files'],
  properties: {
    device: {
      type: 'object',
      additionalProperties: false,
      required: ['make', 'model'],
      properties: {
        make: text(100),
        model: text(100),
        cameraModel: text(100),
        hfovDeg: { type: 'number', minimum: 10, maximum: 360 },
        mount: {
          type: 'string',
          enum: ['windshield', 'dashboard', 'roof', 'handlebar', 'helmet', 'handheld', 'other'],
        },
        mountYawDeg: { type: 'number', minimum: -180, maximum: 180 },
      },
    },
    startTime: { type: 'string', format: 'date-time' },
    timeOffsetMs: { type: 'integer', minimum: -86_400_000, maximum: 86_400_000 },
    // IANA name; checkManifest checks it against the runtime's tz database.
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    files: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role', 'size', 'sha256', 'contentType'],
        properties: {
          name: text(255),
          role: { type: 'string', enum: ['video', 'telemetry', 'track', 'image', 'sidecar'] },
          size: { type: 'integer', minimum: 1 },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          contentType: text(100),
        },
      },
    },
    deviceSignature: manifestSignatureSchema,
  },
} as const;

/**
 * A file name we can show and keep: no path separators, no control or bidi-override characters, not `.`/`..`,
 * at most 255 UTF-8 bytes. The name is never used as a path (blobs are content-addressed); this is about not
 * storing something that misleads a person or a tool that later exports it.
 */
export function checkFileName(name: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  const bad = /[\u0000-\u001f\u007f/\\\u202a-\u202e\u2066-\u2069]/.exec(name);
  if (bad || name === '.' || name === '..' || name.trim() !== name || Buffer.byteLength(name) > 255 || name === '') {
    throw invalid(
      'invalid_file_name',
      `file name ${JSON.stringify(name)} is not allowed: no paths, control characters, leading or trailing spaces`,
    );
  }
}

/** Limits a manifest must respect. */
export interface ManifestLimits {
  maxFileBytes: number;
  maxUploadBytes: number;
  maxFiles: number;
}

/** Checks what JSON Schema can't: names, content types per role, sizes, duplicates, and that there is imagery. */
export function checkManifest(m: UploadManifest, limits: ManifestLimits): void {
  if (m.timezone !== undefined && canonicalTimeZone(m.timezone) === undefined) {
    throw invalid(
      'invalid_timezone',
      `timezone ${JSON.stringify(m.timezone)} is not an IANA time zone (such as Europe/Berlin or America/New_York)`,
    );
  }
  if (m.files.length > limits.maxFiles) {
    throw new MapmintError('too_large', 'too_many_files', `an upload may have at most ${limits.maxFiles} files`);
  }
  let total = 0;
  const names = new Set<string>();
  for (const f of m.files) {
    checkFileName(f.name);
    if (names.has(f.name)) throw invalid('duplicate_file_name', `file name ${JSON.stringify(f.name)} appears twice`);
    names.add(f.name);
    if (!CONTENT_TYPES[f.role].includes(f.contentType)) {
      throw new MapmintError(
        'unsupported_media',
        'unsupported_content_type',
        `a ${f.role} file cannot be ${JSON.stringify(f.contentType)}; accepted: ${CONTENT_TYPES[f.role].join(', ')}`,
      );
    }
    if (f.size > limits.maxFileBytes) {
      throw new MapmintError(
        'too_large',
        'file_too_large',
        `${f.name} is ${f.size} bytes; the limit is ${limits.maxFileBytes}`,
      );
    }
    total += f.size;
  }
  if (total > limits.maxUploadBytes) {
    throw new MapmintError(
      'too_large',
      'upload_too_large',
      `the upload is ${total} bytes; the limit is ${limits.maxUploadBytes}`,
    );
  }
  if (!m.files.some((f) => f.role === 'video' || f.role === 'image')) {
    throw invalid('no_imagery', 'an upload needs at least one video or image file');
  }
}

/** Hash of what the upload contains (roles and file hashes, order-independent): equal content, equal hash. */
export function contentHash(m: UploadManifest): string {
  const parts = m.files.map((f) => `${f.role}:${f.sha256}:${f.size}`).sort();
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Hash identifying a device description, so a camera declared twice maps to one device row. */
export function deviceKey(d: UploadManifest['device']): string {
  const norm = [d.make, d.model, d.cameraModel ?? '', d.hfovDeg ?? '', d.mount ?? '', d.mountYawDeg ?? 0];
  return createHash('sha256').update(JSON.stringify(norm)).digest('hex');
}

/** Checks a finished file's first bytes against its declared content type (a renamed executable is not a video). */
export function sniffMatches(contentType: string, head: Buffer): boolean {
  const ascii = head.subarray(0, 12).toString('latin1');
  switch (contentType) {
    case 'video/mp4':
    case 'video/quicktime':
      return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(ascii.slice(4, 8));
    case 'image/jpeg':
      return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    case 'image/png':
      return head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'application/gpx+xml':
    case 'application/xml':
    case 'text/xml':
      return /^(\ufeff)?\s*</.test(head.toString('utf8'));
    case 'application/json':
      return /^(\ufeff)?\s*[[{]/.test(head.toString('utf8'));
    case 'text/csv':
    case 'text/plain':
    case 'text/x-nmea':
      return !head.includes(0);
    default:
      return true;
  }
}
