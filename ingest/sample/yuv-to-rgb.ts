/**
 * Planar yuv420p (limited range) to packed RGB24, for the few frames we keep. Table-driven integer maths over 2x2
 * blocks: each chroma pair is looked up once and applied to the four luma samples it covers (two rows at a time).
 * Far cheaper than having ffmpeg convert and pipe every frame as rgb24 (twice the bytes, plus swscale on frames we
 * drop); the result is within 2 levels of ffmpeg's own rgb24 for the same matrix (test/ingest/sample-yuv.test.ts).
 */

/** Colour matrix: BT.709 (HD) or BT.601 (SD, `smpte170m`/`bt470bg`). */
export type Matrix = 'bt709' | 'bt601';

const COEF: Record<Matrix, { rv: number; gu: number; gv: number; bu: number }> = {
  bt709: { rv: 1.793, gu: -0.213, gv: -0.533, bu: 2.112 },
  bt601: { rv: 1.596, gu: -0.392, gv: -0.813, bu: 2.017 },
};

const tables = new Map<Matrix, { y: Int32Array; rv: Int32Array; gu: Int32Array; gv: Int32Array; bu: Int32Array }>();

function tableFor(m: Matrix) {
  let t = tables.get(m);
  if (!t) {
    const c = COEF[m];
    const mk = (f: (i: number) => number): Int32Array =>
      Int32Array.from({ length: 256 }, (_, i) => Math.round(f(i) * 1024));
    t = {
      y: mk((i) => 1.164 * (i - 16)),
      rv: mk((i) => c.rv * (i - 128)),
      gu: mk((i) => c.gu * (i - 128)),
      gv: mk((i) => c.gv * (i - 128)),
      bu: mk((i) => c.bu * (i - 128)),
    };
    tables.set(m, t);
  }
  return t;
}

/** The matrix a probe's colour space implies: explicit tag, else BT.709 from 720 lines up, else BT.601. */
export function matrixFor(colorSpace: string | undefined, height: number): Matrix {
  if (colorSpace === 'smpte170m' || colorSpace === 'bt470bg') return 'bt601';
  if (colorSpace === 'bt709') return 'bt709';
  return height >= 720 ? 'bt709' : 'bt601';
}

/**
 * Converts one yuv420p frame to RGB24, into `out` when given (at least width * height * 3 bytes, e.g. a buffer
 * reused across frames) or else into a new buffer; returns the RGB bytes.
 */
export function yuv420ToRgb(src: Uint8Array, width: number, height: number, matrix: Matrix, out?: Buffer): Buffer {
  const t = tableFor(matrix);
  const ty = t.y;
  const trv = t.rv;
  const tgu = t.gu;
  const tgv = t.gv;
  const tbu = t.bu;
  const cw = Math.ceil(width / 2);
  const uOff = width * height;
  const vOff = uOff + cw * Math.ceil(height / 2);
  const size = width * height * 3;
  if (out && out.length < size) throw new RangeError(`output buffer of ${out.length} bytes, need ${size}`);
  const buf = out ? out.subarray(0, size) : Buffer.allocUnsafe(size);
  // Writes to a Uint8ClampedArray clamp to 0..255 for free, which keeps the inner loop branch-free.
  const dst = new Uint8ClampedArray(buf.buffer, buf.byteOffset, size);
  const put = (p: number, r: number, g: number, b: number): void => {
    const l = ty[src[p] as number] as number;
    dst[p * 3] = (l + r) >> 10;
    dst[p * 3 + 1] = (l + g) >> 10;
    dst[p * 3 + 2] = (l + b) >> 10;
  };
  // Even-sized 2x2 blocks in the hot loop; an odd last column / row (odd sizes only) below it.
  const ew = width & ~1;
  for (let y = 0; y < height; y += 2) {
    const crow = (y >> 1) * cw;
    const y0 = y * width;
    const pair = y + 1 < height;
    const y1 = pair ? y0 + width : y0;
    let o0 = y0 * 3;
    let o1 = y1 * 3;
    for (let x = 0; x < ew; x += 2) {
      const c = crow + (x >> 1);
      const u = src[uOff + c] as number;
      const v = src[vOff + c] as number;
      const r = trv[v] as number;
      const g = (tgu[u] as number) + (tgv[v] as number);
      const b = tbu[u] as number;
      let l = ty[src[y0 + x] as number] as number;
      dst[o0] = (l + r) >> 10;
      dst[o0 + 1] = (l + g) >> 10;
      dst[o0 + 2] = (l + b) >> 10;
      l = ty[src[y0 + x + 1] as number] as number;
      dst[o0 + 3] = (l + r) >> 10;
      dst[o0 + 4] = (l + g) >> 10;
      dst[o0 + 5] = (l + b) >> 10;
      if (pair) {
        l = ty[src[y1 + x] as number] as number;
        dst[o1] = (l + r) >> 10;
        dst[o1 + 1] = (l + g) >> 10;
        dst[o1 + 2] = (l + b) >> 10;
        l = ty[src[y1 + x + 1] as number] as number;
        dst[o1 + 3] = (l + r) >> 10;
        dst[o1 + 4] = (l + g) >> 10;
        dst[o1 + 5] = (l + b) >> 10;
      }
      o0 += 6;
      o1 += 6;
    }
    if (ew < width) {
      const c = crow + (ew >> 1);
      const u = src[uOff + c] as number;
      const v = src[vOff + c] as number;
      const r = trv[v] as number;
      const g = (tgu[u] as number) + (tgv[v] as number);
      const b = tbu[u] as number;
      put(y0 + ew, r, g, b);
      if (pair) put(y1 + ew, r, g, b);
    }
  }
  return buf;
}
