import { createCipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const BLOCK = 1 << 20;

/**
 * The first bytes of a minimal ISO BMFF (MP4) file: an `ftyp` box (isom, ISO/IEC 14496-12 section 4.3) followed by
 * the header of one `mdat` box that spans the rest of the file, so content sniffing and box walkers both accept it.
 */
export function mp4Head(totalSize: number): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isommp41', 16, 'latin1');
  const rest = totalSize - ftyp.length;
  if (rest < 8) throw new RangeError(`an MP4 needs at least 32 bytes, got ${totalSize}`);
  // Section 4.2: size 1 means a 64-bit largesize follows the type.
  const mdat = rest < 2 ** 32 ? Buffer.alloc(8) : Buffer.alloc(16);
  if (mdat.length === 8) mdat.writeUInt32BE(rest, 0);
  else {
    mdat.writeUInt32BE(1, 0);
    mdat.writeBigUInt64BE(BigInt(rest), 8);
  }
  mdat.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdat]);
}

/**
 * Writes `size` bytes of MP4-looking data whose payload is the AES-256-CTR keystream of a key derived from `seed`:
 * a fast deterministic PRNG (the same seed always gives the same bytes) that no compressor or dedupe can shrink.
 */
export async function writeSeededMp4(
  file: string,
  size: number,
  seed: string,
  onBytes?: (n: number) => void,
): Promise<void> {
  const key = createHash('sha256').update(`mapmint-bench:${seed}`).digest();
  const prng = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(BLOCK);
  const fh = await open(file, 'w');
  try {
    const head = mp4Head(size);
    await fh.write(head, 0, head.length, 0);
    let at = head.length;
    onBytes?.(at);
    while (at < size) {
      const n = Math.min(BLOCK, size - at);
      const bytes = prng.update(zeros.subarray(0, n));
      await fh.write(bytes, 0, n, at);
      at += n;
      onBytes?.(n);
    }
  } finally {
    await fh.close();
  }
}
