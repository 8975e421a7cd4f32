/**
 * Sparse optical flow between two small grey frames by block matching on a two-level pyramid: a coarse search on
 * the half-resolution image (wide range, cheap), then a +-1 px search and a sub-pixel fit at full
 * resolution. Only blocks with texture in both directions (the smaller eigenvalue of the structure tensor, Shi and
 * Tomasi 1994) are matched: flat sky and asphalt, and single straight edges (the aperture problem), give nothing
 * reliable. Every buffer is allocated once per video size and reused (no per-pixel or per-frame allocation).
 */

/** Flow vectors of one frame pair: block centres (pixels, full resolution) and displacements (pixels). */
export interface FlowField {
  count: number;
  x: Float32Array;
  y: Float32Array;
  u: Float32Array;
  v: Float32Array;
  /** Blocks on the grid, textured or not: `count / blocks` says how much of the image could be tracked. */
  blocks: number;
}

/** Block side at full resolution, and the coarse search radius at half resolution (+-2R px at full resolution). */
const BLOCK = 10;
const HALF_BLOCK = 5;
const COARSE_R = 6;
/** Grid step between block centres, full-resolution pixels. */
const STEP = 8;
/** Minimum eigenvalue of the block's structure tensor per pixel (grey levels squared): below it the block is flat. */
const MIN_TEXTURE = 12;
/** Mean absolute difference per pixel above which a match is rejected (occlusion, a change of scene). */
const MAX_MAD = 24;

/** Reusable block matcher for frames of one size. */
export class BlockFlow {
  private readonly hw: number;
  private readonly hh: number;
  private prevHalf: Uint8Array;
  private curHalf: Uint8Array;
  private readonly out: FlowField;
  private readonly centres: Int32Array;
  private readonly blocks: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.hw = width >> 1;
    this.hh = height >> 1;
    this.prevHalf = new Uint8Array(this.hw * this.hh);
    this.curHalf = new Uint8Array(this.hw * this.hh);
    const margin = 2 * COARSE_R + BLOCK / 2 + 2;
    const cs: number[] = [];
    for (let y = margin; y + margin <= height; y += STEP)
      for (let x = margin; x + margin <= width; x += STEP) cs.push(x, y);
    this.centres = Int32Array.from(cs);
    this.blocks = cs.length / 2;
    const n = this.blocks;
    this.out = {
      count: 0,
      x: new Float32Array(n),
      y: new Float32Array(n),
      u: new Float32Array(n),
      v: new Float32Array(n),
      blocks: n,
    };
  }

  /**
   * Flow from `prev` to `cur` (grey planes of `width` x `height`, row stride `width`). The returned field is reused
   * by the next call.
   */
  flow(prev: Uint8Array, cur: Uint8Array): FlowField {
    halve(prev, this.width, this.height, this.prevHalf);
    halve(cur, this.width, this.height, this.curHalf);
    const f = this.out;
    f.count = 0;
    for (let b = 0; b < this.blocks; b++) {
      const cx = this.centres[2 * b] as number;
      const cy = this.centres[2 * b + 1] as number;
      const x0 = cx - BLOCK / 2;
      const y0 = cy - BLOCK / 2;
      if (minEigen(prev, this.width, x0, y0) < MIN_TEXTURE) continue;
      const coarse = this.coarse(cx >> 1, cy >> 1);
      const fine = refine(prev, cur, this.width, x0, y0, 2 * coarse.dx, 2 * coarse.dy);
      if (fine.sad > MAX_MAD * BLOCK * BLOCK) continue;
      const k = f.count++;
      f.x[k] = cx;
      f.y[k] = cy;
      f.u[k] = fine.dx;
      f.v[k] = fine.dy;
    }
    return f;
  }

  /** Best integer displacement of the half-resolution block centred at (hx, hy), over +-COARSE_R. */
  private coarse(hx: number, hy: number): { dx: number; dy: number } {
    const w = this.hw;
    const a = this.prevHalf;
    const c = this.curHalf;
    const x0 = hx - (HALF_BLOCK >> 1);
    const y0 = hy - (HALF_BLOCK >> 1);
    let best = Infinity;
    let bdx = 0;
    let bdy = 0;
    for (let dy = -COARSE_R; dy <= COARSE_R; dy++) {
      for (let dx = -COARSE_R; dx <= COARSE_R; dx++) {
        let s = 0;
        for (let j = 0; j < HALF_BLOCK && s < best; j++) {
          const ra = (y0 + j) * w + x0;
          const rc = (y0 + j + dy) * w + x0 + dx;
          for (let i = 0; i < HALF_BLOCK; i++) s += Math.abs((a[ra + i] as number) - (c[rc + i] as number));
        }
        // Ties go to the smaller displacement: a repeated texture must not invent motion.
        if (s < best || (s === best && dx * dx + dy * dy < bdx * bdx + bdy * bdy)) {
          best = s;
          bdx = dx;
          bdy = dy;
        }
      }
    }
    return { dx: bdx, dy: bdy };
  }
}

/** Box-filtered half-resolution copy of a grey plane. */
function halve(src: Uint8Array, w: number, h: number, dst: Uint8Array): void {
  const hw = w >> 1;
  const hh = h >> 1;
  for (let y = 0; y < hh; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    for (let x = 0; x < hw; x++) {
      const i = 2 * x;
      dst[y * hw + x] =
        ((src[r0 + i] as number) +
          (src[r0 + i + 1] as number) +
          (src[r1 + i] as number) +
          (src[r1 + i + 1] as number)) >>
        2;
    }
  }
}

/** Smaller eigenvalue of the block's 2x2 structure tensor, per pixel. */
function minEigen(img: Uint8Array, w: number, x0: number, y0: number): number {
  let gxx = 0;
  let gyy = 0;
  let gxy = 0;
  for (let j = 0; j < BLOCK; j++) {
    const r = (y0 + j) * w + x0;
    for (let i = 0; i < BLOCK; i++) {
      const gx = ((img[r + i + 1] as number) - (img[r + i - 1] as number)) / 2;
      const gy = ((img[r + i + w] as number) - (img[r + i - w] as number)) / 2;
      gxx += gx * gx;
      gyy += gy * gy;
      gxy += gx * gy;
    }
  }
  const n = BLOCK * BLOCK;
  const tr = (gxx + gyy) / n;
  const det = (gxx * gyy - gxy * gxy) / (n * n);
  return tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
}

/** Sum of absolute differences of the full-resolution block at (x0, y0) displaced by (dx, dy). */
function sad(a: Uint8Array, c: Uint8Array, w: number, x0: number, y0: number, dx: number, dy: number): number {
  let s = 0;
  for (let j = 0; j < BLOCK; j++) {
    const ra = (y0 + j) * w + x0;
    const rc = (y0 + j + dy) * w + x0 + dx;
    for (let i = 0; i < BLOCK; i++) s += Math.abs((a[ra + i] as number) - (c[rc + i] as number));
  }
  return s;
}

/** +-1 px search around the coarse guess at full resolution, then a parabola through the SADs on each axis. */
function refine(
  a: Uint8Array,
  c: Uint8Array,
  w: number,
  x0: number,
  y0: number,
  gx: number,
  gy: number,
): { dx: number; dy: number; sad: number } {
  let best = Infinity;
  let bx = gx;
  let by = gy;
  for (let dy = gy - 1; dy <= gy + 1; dy++)
    for (let dx = gx - 1; dx <= gx + 1; dx++) {
      const s = sad(a, c, w, x0, y0, dx, dy);
      if (s < best) {
        best = s;
        bx = dx;
        by = dy;
      }
    }
  // A parabola, not the equiangular (V) fit that suits SAD in theory: on KITTI and the GoPro drone flight the V fit
  // moved the best offsets by 0.1-2.7 s, on generated drives it changed nothing (see README.md).
  const sub = (m: number, z: number, p: number): number => {
    const d = m - 2 * z + p;
    return d > 0 ? Math.max(-0.5, Math.min(0.5, (m - p) / (2 * d))) : 0;
  };
  const ox = sub(sad(a, c, w, x0, y0, bx - 1, by), best, sad(a, c, w, x0, y0, bx + 1, by));
  const oy = sub(sad(a, c, w, x0, y0, bx, by - 1), best, sad(a, c, w, x0, y0, bx, by + 1));
  return { dx: bx + ox, dy: by + oy, sad: best };
}
