/**
 * Incremental SHA-256 (FIPS 180-4) for the upload form. Web Crypto's `digest` takes the whole input at once, and a
 * dashcam file can be 4 GB: this one is fed a slice at a time so the page never holds a file in memory. Checked
 * against node:crypto in test/web/sha256.test.ts, including inputs past 2^32 bits.
 */

// FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
// Section 5.3.3: the initial hash value.
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** A running SHA-256: `update` with any number of byte slices, then `hex` once. */
export class Sha256 {
  private readonly state = new Int32Array(H0);
  private readonly w = new Int32Array(64);
  private readonly block = new Uint8Array(64);
  private buffered = 0;
  /** Bytes hashed so far; a double counts exactly up to 2^53, far past any file. */
  private length = 0;
  private finished = false;

  /** Adds `data` to the message. */
  update(data: Uint8Array): this {
    if (this.finished) throw new Error('sha256: update after the digest was taken');
    const n = data.length;
    let pos = 0;
    this.length += n;
    if (this.buffered > 0) {
      const take = Math.min(64 - this.buffered, n);
      this.block.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      pos = take;
      if (this.buffered < 64) return this;
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    for (; pos + 64 <= n; pos += 64) this.compress(data, pos);
    if (pos < n) {
      this.block.set(data.subarray(pos), 0);
      this.buffered = n - pos;
    }
    return this;
  }

  /** The digest as lower-case hex; the hash cannot be updated afterwards. */
  hex(): string {
    if (this.finished) throw new Error('sha256: the digest was already taken');
    this.finished = true;
    // Section 5.1.1: a 1 bit, zeros, then the message length in bits as a 64-bit big-endian number.
    const b = this.block;
    let i = this.buffered;
    b[i++] = 0x80;
    if (i > 56) {
      b.fill(0, i);
      this.compress(b, 0);
      i = 0;
    }
    b.fill(0, i, 56);
    const bits = this.length * 8;
    const view = new DataView(b.buffer, b.byteOffset, 64);
    view.setUint32(56, Math.floor(bits / 2 ** 32));
    view.setUint32(60, bits >>> 0);
    this.compress(b, 0);
    let out = '';
    for (const word of this.state) out += (word >>> 0).toString(16).padStart(8, '0');
    return out;
  }

  /** Section 6.2.2: one 64-byte block at `p` of `d`; Int32 arithmetic with `| 0` keeps V8 on small integers. */
  private compress(d: Uint8Array, p: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++, p += 4) w[t] = (d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    const s = this.state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let e = s[4]!;
    let f = s[5]!;
    let g = s[6]!;
    let hh = s[7]!;
    let dd = s[3]!;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (dd + t1) | 0;
      dd = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = (s[0]! + a) | 0;
    s[1] = (s[1]! + b) | 0;
    s[2] = (s[2]! + c) | 0;
    s[3] = (s[3]! + dd) | 0;
    s[4] = (s[4]! + e) | 0;
    s[5] = (s[5]! + f) | 0;
    s[6] = (s[6]! + g) | 0;
    s[7] = (s[7]! + hh) | 0;
  }
}

/** Bytes read per slice when hashing a file: large enough to amortise each read, small next to any memory budget. */
const SLICE = 4 << 20;

/**
 * Size and SHA-256 of a browser File (or any Blob), read one slice at a time with the next slice's read under way
 * while the current one is hashed. `onProgress` gets the bytes hashed so far.
 */
export async function hashBlob(
  blob: Blob,
  onProgress?: (done: number, total: number) => void,
): Promise<{ size: number; sha256: string }> {
  const hash = new Sha256();
  const size = blob.size;
  let next: Promise<ArrayBuffer> | undefined =
    size > 0 ? blob.slice(0, Math.min(SLICE, size)).arrayBuffer() : undefined;
  for (let at = 0; next; ) {
    const bytes = new Uint8Array(await next);
    // A file that shrank since it was chosen reads short; one that changed otherwise fails to read (NotReadableError).
    if (bytes.length === 0) throw new Error(`the file ended at ${at} of its ${size} bytes: it changed`);
    at += bytes.length;
    next = at < size ? blob.slice(at, Math.min(at + SLICE, size)).arrayBuffer() : undefined;
    hash.update(bytes);
    onProgress?.(at, size);
  }
  return { size, sha256: hash.hex() };
}
