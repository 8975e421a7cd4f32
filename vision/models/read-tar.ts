import { createGunzip } from 'node:zlib';
import { MapmintError } from '../../core/index.ts';

/** One regular file wanted from a tar stream. */
export interface TarEntry {
  path: string;
  data: Buffer;
}

const BLOCK = 512;

/** Reads a NUL-terminated ASCII field of a ustar header. */
function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? len : end).toString('utf8');
}

/** Parses an octal number field (ustar) or a base-256 one (GNU, high bit set). */
function numberField(h: Buffer, start: number, len: number): number {
  if ((h[start]! & 0x80) !== 0) {
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + h[i]!;
    return n;
  }
  const s = field(h, start, len).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** Verifies the header checksum (POSIX.1-1988 ustar, section "tar Header Block"). */
function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === numberField(h, 148, 8);
}

/** Extracts the `path` record from a pax extended header body ("<len> path=<value>\n" records). */
function paxPath(body: Buffer): string | undefined {
  let off = 0;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp === -1) break;
    const len = Number.parseInt(body.subarray(off, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') return rec.slice(eq + 1);
    off += len;
  }
  return undefined;
}

/**
 * Streams a .tgz and returns the regular files whose paths are in `wanted`, holding only those in memory.
 * Supports ustar (prefix field), pax `x` headers and GNU `L` long names; throws on a corrupt header.
 */
export async function extractFromTgz(source: AsyncIterable<Buffer>, wanted: ReadonlySet<string>): Promise<TarEntry[]> {
  const gunzip = createGunzip();
  const parser = new TarParser(wanted);
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => {
      try {
        parser.consume(chunk);
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    });
    gunzip.on('end', resolve);
    gunzip.on('error', reject);
  });
  for await (const chunk of source) {
    if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
  }
  gunzip.end();
  await done;
  return parser.out;
}

/** The tar stream parser: either waiting for a header, or inside an entry body of `remaining` bytes (+ padding). */
class TarParser {
  readonly out: TarEntry[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private padding = 0;
  private current: { path: string; type: string; chunks: Buffer[] } | undefined;
  private longName: string | undefined;
  private ended = false;

  constructor(private readonly wanted: ReadonlySet<string>) {}

  /** Takes the next decompressed bytes, in any chunking. */
  consume(buf: Buffer): void {
    this.pending = this.pending.length === 0 ? buf : Buffer.concat([this.pending, buf]);
    const pending = this.pending;
    let off = 0;
    while (!this.ended) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, pending.length - off);
        if (take === 0) break;
        if (this.current) this.current.chunks.push(Buffer.from(pending.subarray(off, off + take)));
        off += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, pending.length - off);
        if (take === 0) break;
        off += take;
        this.padding -= take;
        continue;
      }
      if (pending.length - off < BLOCK) break;
      const h = pending.subarray(off, off + BLOCK);
      off += BLOCK;
      this.header(h);
    }
    // Copy the tail so the (possibly large) chunk it came from can be released.
    this.pending = Buffer.from(pending.subarray(off));
  }

  /** Starts an entry from its header block; an all-zero block ends the archive. */
  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    if (!checksumOk(h)) throw new MapmintError('invalid_input', 'tar_corrupt', 'tar header checksum mismatch');
    const size = numberField(h, 124, 12);
    const type = String.fromCharCode(h[156]! || 0x30);
    const prefix = field(h, 345, 155);
    const name = this.longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    if (type !== 'x' && type !== 'L' && type !== 'g') this.longName = undefined;
    const keep = type === 'x' || type === 'L' || ((type === '0' || type === '7') && this.wanted.has(name));
    this.current = keep ? { path: name, type, chunks: [] } : undefined;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    const current = this.current;
    if (!current) return;
    const body = Buffer.concat(current.chunks);
    if (current.type === 'x') this.longName = paxPath(body) ?? this.longName;
    else if (current.type === 'L') this.longName = body.toString('utf8').replace(/\0+$/, '');
    else if (this.wanted.has(current.path)) this.out.push({ path: current.path, data: body });
    this.current = undefined;
  }
}
