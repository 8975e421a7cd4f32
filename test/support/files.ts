import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes a file that passes the server's content sniffing for its type, with seeded-random filler. */
export async function makeFile(dir: string, name: string, kind: 'mp4' | 'gpx' | 'jpg', size: number): Promise<string> {
  const head =
    kind === 'mp4'
      ? Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])
      : kind === 'jpg'
        ? Buffer.from([0xff, 0xd8, 0xff, 0xe0])
        : Buffer.from('<?xml version="1.0"?><gpx>');
  const body =
    kind === 'gpx'
      ? Buffer.from(' '.repeat(Math.max(0, size - head.length)))
      : randomBytes(Math.max(0, size - head.length));
  const p = path.join(dir, name);
  await writeFile(p, Buffer.concat([head, body]));
  return p;
}

/** SHA-256 hex of bytes. */
export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
