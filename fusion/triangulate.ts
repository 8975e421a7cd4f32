/**
 * Weighted least-squares intersection of rays in a local east/north frame. Each ray constrains the point across
 * its direction with sigma = range * bearing sigma (+ camera position noise) and along it with the range estimate's
 * sigma, so crossing rays decide the position and near-parallel rays fall back to the range estimates on their own.
 */

const RAD = Math.PI / 180;

/** A ray in local metres: camera position, bearing and range with their 1-sigma errors. */
export interface Ray {
  x: number;
  y: number;
  bearingDeg: number;
  bearingSigmaDeg: number;
  rangeM: number;
  rangeSigmaM: number;
  positionSigmaM: number;
}

/** A 2-D position estimate with its covariance [xx, xy, yy] (m^2). */
export interface Estimate {
  x: number;
  y: number;
  cov: [number, number, number];
  /** 'rays' when the rays cross at a usable angle, 'range' when they are near-parallel and ranges decide depth. */
  method: 'rays' | 'range';
  /** Rays that kept full weight (the others were down-weighted as outliers). */
  inliers: number;
}

/** Solver settings. */
export interface TriangulateOptions {
  /** Rays whose directions all lie within this angle are near-parallel; default 3 deg. */
  parallelDeg?: number;
  /** Huber threshold on the normalised residual; default 2.5. */
  huberK?: number;
  /** Reweighting iterations; default 4. */
  iterations?: number;
}

/** Inverse of a symmetric 2x2 matrix [a, b, c] = [[a, b], [b, c]] (undefined when singular). */
export function invert2([a, b, c]: readonly [number, number, number]): [number, number, number] | undefined {
  const det = a * c - b * b;
  if (!(det > 0) || !Number.isFinite(det)) return undefined;
  return [c / det, -b / det, a / det];
}

/** Squared Mahalanobis length of (dx, dy) under covariance cov. */
export function mahalanobis2(dx: number, dy: number, cov: readonly [number, number, number]): number {
  const inv = invert2(cov);
  if (!inv) return Number.POSITIVE_INFINITY;
  return dx * dx * inv[0] + 2 * dx * dy * inv[1] + dy * dy * inv[2];
}

/** Covariance of one ray's own point estimate (camera + range along the bearing). */
export function rayCovariance(r: Ray, range = r.rangeM): [number, number, number] {
  const dx = Math.sin(r.bearingDeg * RAD);
  const dy = Math.cos(r.bearingDeg * RAD);
  const along = r.rangeSigmaM ** 2 + r.positionSigmaM ** 2;
  const across = (Math.max(range, 1) * r.bearingSigmaDeg * RAD) ** 2 + r.positionSigmaM ** 2;
  // d d^T * along + n n^T * across, n = (dy, -dx).
  return [dx * dx * along + dy * dy * across, dx * dy * (along - across), dy * dy * along + dx * dx * across];
}

/** The point a single ray suggests: camera + range along the bearing. */
export function rayPoint(r: Ray): [number, number] {
  return [r.x + r.rangeM * Math.sin(r.bearingDeg * RAD), r.y + r.rangeM * Math.cos(r.bearingDeg * RAD)];
}

/** Least-squares position of the object the rays look at (rays must be non-empty). */
export function triangulate(rays: readonly Ray[], opts: TriangulateOptions = {}): Estimate {
  const k = opts.huberK ?? 2.5;
  const dirs = rays.map((r) => [Math.sin(r.bearingDeg * RAD), Math.cos(r.bearingDeg * RAD)] as const);
  const pts = rays.map(rayPoint);
  const w = rays.map(() => 1);
  // Start from the information-weighted mean of the single-ray points, then refine.
  let x = 0;
  let y = 0;
  let cov: [number, number, number] = [1e6, 0, 1e6];
  const iterations = Math.max(1, opts.iterations ?? 4);
  for (let it = 0; it <= iterations; it++) {
    let a = 0;
    let b = 0;
    let c = 0;
    let bx = 0;
    let by = 0;
    const infos: Array<[number, number, number]> = [];
    for (let i = 0; i < rays.length; i++) {
      const r = rays[i] as Ray;
      const [dx, dy] = dirs[i] as readonly [number, number];
      // Distance along the ray to the current estimate sets the across-ray sigma (first pass: the range estimate).
      const along = it === 0 ? r.rangeM : Math.max(1, (x - r.x) * dx + (y - r.y) * dy);
      const inv = invert2(rayCovariance(r, along)) ?? [0, 0, 0];
      infos.push(inv);
      const [px, py] = pts[i] as [number, number];
      const wi = w[i] as number;
      a += wi * inv[0];
      b += wi * inv[1];
      c += wi * inv[2];
      bx += wi * (inv[0] * px + inv[1] * py);
      by += wi * (inv[1] * px + inv[2] * py);
    }
    const inv = invert2([a, b, c]);
    if (!inv) break;
    cov = inv;
    x = inv[0] * bx + inv[1] * by;
    y = inv[1] * bx + inv[2] * by;
    // Huber reweighting: a ray far from the consensus (a wrong association, a bad box) loses influence.
    for (let i = 0; i < rays.length; i++) {
      const [px, py] = pts[i] as [number, number];
      const m = infos[i] as [number, number, number];
      const ex = x - px;
      const ey = y - py;
      const e = Math.sqrt(Math.max(0, ex * ex * m[0] + 2 * ex * ey * m[1] + ey * ey * m[2]));
      w[i] = e <= k ? 1 : k / e;
    }
  }
  return {
    x,
    y,
    cov,
    method: spreadDeg(rays) >= (opts.parallelDeg ?? 3) ? 'rays' : 'range',
    inliers: w.filter((v) => v === 1).length,
  };
}

/** Largest angle between any ray direction and the mean direction, doubled (the fan's width), degrees. */
function spreadDeg(rays: readonly Ray[]): number {
  let sx = 0;
  let sy = 0;
  for (const r of rays) {
    sx += Math.sin(r.bearingDeg * RAD);
    sy += Math.cos(r.bearingDeg * RAD);
  }
  const mean = Math.atan2(sx, sy);
  let max = 0;
  for (const r of rays) {
    const d = Math.abs(((r.bearingDeg * RAD - mean + 3 * Math.PI) % (2 * Math.PI)) - Math.PI);
    max = Math.max(max, d);
  }
  return (2 * max) / RAD;
}
