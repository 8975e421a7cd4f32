/** Candidate road positions near a GPS fix: grid lookup, projection onto each piece, nearest K kept. */
import { cellKey, type RoadGraph } from './match-graph.ts';

/** Reusable output buffers for `findCandidates` (one set per matching run, so no allocation per point). */
export class CandidateBuffer {
  count = 0;
  readonly edge: Int32Array;
  /** Fraction of the edge's length from its geometry start. */
  readonly fraction: Float64Array;
  readonly distance: Float64Array;
  /** Unit tangent (east, north) of the piece's geometry at the projection, along the geometry's direction. */
  readonly tx: Float64Array;
  readonly ty: Float64Array;
  private readonly stamp: Uint32Array;
  private query = 0;
  private tmpEdge = new Int32Array(64);
  private tmpFrac = new Float64Array(64);
  private tmpDist = new Float64Array(64);
  private tmpTx = new Float64Array(64);
  private tmpTy = new Float64Array(64);

  constructor(g: RoadGraph, maxCandidates: number) {
    this.edge = new Int32Array(maxCandidates);
    this.fraction = new Float64Array(maxCandidates);
    this.distance = new Float64Array(maxCandidates);
    this.tx = new Float64Array(maxCandidates);
    this.ty = new Float64Array(maxCandidates);
    this.stamp = new Uint32Array(g.edgeCount);
  }

  /** Fills the buffer with the nearest (at most `edge.length`) pieces within `radius` metres of local (x, y). */
  find(g: RoadGraph, x: number, y: number, radius: number): number {
    const q = ++this.query;
    const cell = g.grid.cellM;
    let n = 0;
    const x0 = Math.floor((x - radius) / cell);
    const x1 = Math.floor((x + radius) / cell);
    const y0 = Math.floor((y - radius) / cell);
    const y1 = Math.floor((y + radius) / cell);
    const r2 = radius * radius;
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        const list = g.grid.cells.get(cellKey(cx, cy));
        if (!list) continue;
        for (let k = 0; k < list.length; k++) {
          const e = list[k] as number;
          if (this.stamp[e] === q) continue;
          this.stamp[e] = q;
          let best = Number.POSITIVE_INFINITY;
          let along = 0;
          let bx = 0;
          let by = 0;
          const a = g.vertStart[e] as number;
          const b = (g.vertStart[e + 1] as number) - 1;
          for (let i = a; i < b; i++) {
            const ax = g.xy[2 * i] as number;
            const ay = g.xy[2 * i + 1] as number;
            const dx = (g.xy[2 * i + 2] as number) - ax;
            const dy = (g.xy[2 * i + 3] as number) - ay;
            const len2 = dx * dx + dy * dy;
            let t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
            t = Math.max(0, Math.min(1, t));
            const px = ax + t * dx - x;
            const py = ay + t * dy - y;
            const d2 = px * px + py * py;
            if (d2 < best) {
              best = d2;
              along = (g.vertCum[i] as number) + t * Math.sqrt(len2);
              bx = dx;
              by = dy;
            }
          }
          if (best > r2) continue;
          if (n === this.tmpEdge.length) this.grow();
          const total = g.vertCum[b] as number;
          this.tmpEdge[n] = e;
          this.tmpFrac[n] = total > 0 ? along / total : 0;
          this.tmpDist[n] = Math.sqrt(best);
          const bl = Math.hypot(bx, by);
          this.tmpTx[n] = bl > 0 ? bx / bl : 0;
          this.tmpTy[n] = bl > 0 ? by / bl : 0;
          n++;
        }
      }
    }
    // Keep the nearest: selection sort over the few found (usually < 20).
    const keep = Math.min(n, this.edge.length);
    for (let i = 0; i < keep; i++) {
      let m = i;
      for (let j = i + 1; j < n; j++) if ((this.tmpDist[j] as number) < (this.tmpDist[m] as number)) m = j;
      this.swap(i, m);
      this.edge[i] = this.tmpEdge[i] as number;
      this.fraction[i] = this.tmpFrac[i] as number;
      this.distance[i] = this.tmpDist[i] as number;
      this.tx[i] = this.tmpTx[i] as number;
      this.ty[i] = this.tmpTy[i] as number;
    }
    this.count = keep;
    return keep;
  }

  private swap(i: number, j: number): void {
    if (i === j) return;
    swapAt(this.tmpEdge, i, j);
    swapAt(this.tmpFrac, i, j);
    swapAt(this.tmpDist, i, j);
    swapAt(this.tmpTx, i, j);
    swapAt(this.tmpTy, i, j);
  }

  private grow(): void {
    const n = this.tmpEdge.length * 2;
    this.tmpEdge = widened(this.tmpEdge, new Int32Array(n));
    this.tmpFrac = widened(this.tmpFrac, new Float64Array(n));
    this.tmpDist = widened(this.tmpDist, new Float64Array(n));
    this.tmpTx = widened(this.tmpTx, new Float64Array(n));
    this.tmpTy = widened(this.tmpTy, new Float64Array(n));
  }
}

/** Swaps two entries of a candidate column. */
function swapAt(a: Int32Array | Float64Array, i: number, j: number): void {
  const v = a[i] as number;
  a[i] = a[j] as number;
  a[j] = v;
}

/** `to` (a larger column of the same kind) holding `from`'s entries first. */
function widened<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Estimates the GPS noise sigma_z from the data as Newson & Krumm 2009 do (section 4.1): 1.4826 times the median
 * distance from each fix to its road (a robust standard deviation). Undefined when no fix is near a road.
 * The paper takes the nearest road, which near junctions is often a cross street closer than the one driven and
 * biases the estimate low (by about a fifth at 15 m of noise on the demo town). When the fix carries a usable course
 * (speed of at least `courseMinSpeedMs`), the nearest road whose direction is within 30 deg of that course is taken.
 */
export function estimateSigmaZ(
  g: RoadGraph,
  track: ReadonlyArray<{ lat: number; lon: number; speed?: number; heading?: number }>,
  radiusM = 50,
  courseMinSpeedMs = 3,
): number | undefined {
  const buf = new CandidateBuffer(g, 8);
  const cos30 = Math.cos(Math.PI / 6);
  const d: number[] = [];
  for (const p of track) {
    const x = (p.lon - g.origin.lon0) * g.origin.kx;
    const y = (p.lat - g.origin.lat0) * g.origin.ky;
    const n = buf.find(g, x, y, radiusM);
    if (n === 0) continue;
    if (p.heading === undefined || p.speed === undefined || p.speed < courseMinSpeedMs) {
      d.push(buf.distance[0] as number);
      continue;
    }
    const hx = Math.sin((p.heading * Math.PI) / 180);
    const hy = Math.cos((p.heading * Math.PI) / 180);
    for (let k = 0; k < n; k++) {
      if (Math.abs((buf.tx[k] as number) * hx + (buf.ty[k] as number) * hy) >= cos30) {
        d.push(buf.distance[k] as number);
        break;
      }
    }
  }
  if (d.length === 0) return undefined;
  d.sort((a, b) => a - b);
  return 1.4826 * (d[d.length >> 1] as number);
}
