import sharp from 'sharp';
import { unitOf } from '../core/index.ts';
import { type CameraModel, type CameraPose, cameraTransform, focalPx, projectCamera } from './camera.ts';
import { objectBackSvg, objectFaceSvg } from './draw-objects.ts';
import { pointAlong, polylineLength, type RoadGraph } from './drive-graph.ts';
import type { PlacedControl } from './place-objects.ts';
import { Rng } from './prng.ts';
import { signalState } from './traffic-control.ts';
import type { DemoObject } from './types.ts';

/** A flat polygon on the road surface (z = 0) with its bounding circle for culling. */
interface GroundPolygon {
  pts: Array<[number, number]>;
  fill: string;
  cx: number;
  cy: number;
  r: number;
  /** Beyond this distance from the camera the polygon is not drawn (paint markings vanish first). */
  maxDist: number;
}

/** What the renderer draws: ground polygons in paint order, and the objects. */
export interface Scene {
  ground: GroundPolygon[];
  objects: DemoObject[];
}

/** Objects farther than this are not drawn (a dashcam resolves nothing useful beyond it). */
export const OBJECT_RANGE_M = 80;
const GROUND_RANGE_M = 260;
const MARKING_RANGE_M = 70;
const NEAR_M = 0.3;
const VERGE_M = 2.5;

const COLOURS = { verge: '#8f8d86', asphalt: '#4b4c4f', marking: '#e9e9e2' } as const;

/**
 * Turns the road graph into ground polygons: pavements, carriageways, junction areas, centre dashes, stop lines, and
 * with `textureSeed` small ground patches (see {@link groundPatches}).
 */
export function buildScene(
  g: RoadGraph,
  objects: DemoObject[],
  controls: Map<string, PlacedControl>,
  textureSeed?: number,
): Scene {
  const verge: GroundPolygon[] = [];
  const asphalt: GroundPolygon[] = [];
  const marks: GroundPolygon[] = [];
  const nodeHalf = new Map<number, number>();
  for (const e of g.edges) {
    for (const n of e.nodeIds) nodeHalf.set(n, Math.max(nodeHalf.get(n) ?? 0, e.widthM / 2));
    for (let k = 1; k < e.pts.length; k++) {
      const p = e.pts[k - 1] as [number, number];
      const q = e.pts[k] as [number, number];
      verge.push(strip(p, q, e.widthM / 2 + VERGE_M, COLOURS.verge, GROUND_RANGE_M));
      asphalt.push(strip(p, q, e.widthM / 2, COLOURS.asphalt, GROUND_RANGE_M));
    }
    if (!e.oneway) {
      // Centre line: 3 m dashes with 6 m gaps, kept clear of the junctions.
      const segs = dashes(e.pts, 3, 6, 8);
      for (const [p, q] of segs) marks.push(strip(p, q, 0.06, COLOURS.marking, MARKING_RANGE_M));
    }
  }
  for (const [id, half] of nodeHalf) {
    const n = g.nodes.get(id);
    if (!n) continue;
    verge.push(disc(n.x, n.y, half + VERGE_M, COLOURS.verge));
    asphalt.push(disc(n.x, n.y, half, COLOURS.asphalt));
  }
  for (const c of controls.values()) {
    // A 0.4 m stop line across the right half of the carriageway (all of it on a oneway street).
    const pts = c.arc.pts;
    const end = pts[pts.length - 1] as [number, number];
    const prev = pts[pts.length - 2] as [number, number];
    const len = Math.hypot(end[0] - prev[0], end[1] - prev[1]);
    const [dx, dy] = [(end[0] - prev[0]) / len, (end[1] - prev[1]) / len];
    const back = c.stopLineM - 0.6;
    const [bx, by] = [end[0] - dx * back, end[1] - dy * back];
    const half = c.arc.edge.widthM / 2;
    const from = c.arc.edge.oneway ? -half : 0;
    const a: [number, number] = [bx + dy * from, by - dx * from];
    const b: [number, number] = [bx + dy * half, by - dx * half];
    const mid: [number, number] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const h = (half - from) / 2;
    marks.push(
      strip(
        [mid[0] - dy * h, mid[1] + dx * h],
        [mid[0] + dy * h, mid[1] - dx * h],
        0.2,
        COLOURS.marking,
        MARKING_RANGE_M,
      ),
    );
  }
  const patches = textureSeed !== undefined ? groundPatches(g, new Rng(textureSeed ^ 0x7e47)) : [];
  return { ground: [...verge, ...asphalt, ...patches, ...marks], objects };
}

/** Patches closer than this are drawn: farther ones shrink below a pixel at dashcam resolutions. */
const PATCH_RANGE_M = 30;

/**
 * Small square patches of lighter or darker grey scattered over the carriageway and the verges (one per 2.5
 * square metres within 6 m of the road edge): the stains, cracks and tufts a real camera sees move with the ground,
 * which is what optical flow measures.
 */
function groundPatches(g: RoadGraph, rng: Rng): GroundPolygon[] {
  const out: GroundPolygon[] = [];
  for (const e of g.edges) {
    const reach = e.widthM / 2 + VERGE_M + 6;
    const total = polylineLength(e.pts);
    const count = Math.round((total * 2 * reach) / 2.5);
    for (let k = 0; k < count; k++) {
      const s = rng.uniform(0, total);
      const p = pointAlong(e.pts, s);
      const q = pointAlong(e.pts, Math.min(total, s + 0.5));
      const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      const off = rng.uniform(-reach, reach);
      const x = p.x + ((q.y - p.y) / len) * off;
      const y = p.y - ((q.x - p.x) / len) * off;
      const r = rng.uniform(0.15, 0.45);
      const a = rng.uniform(0, Math.PI / 2);
      const pts: Array<[number, number]> = [0, 1, 2, 3].map((j) => [
        x + r * Math.cos(a + (j * Math.PI) / 2),
        y + r * Math.sin(a + (j * Math.PI) / 2),
      ]);
      const grey = Math.round(rng.uniform(40, 190));
      const fill = `rgb(${grey},${grey},${Math.round(grey * 0.95)})`;
      out.push({ pts, fill, cx: x, cy: y, r, maxDist: PATCH_RANGE_M });
    }
  }
  return out;
}

/** Options for drawing one frame. */
export interface FrameOptions {
  camera: CameraModel;
  pose: CameraPose;
  /** Seconds since the drive start (for traffic light phases). */
  tS: number;
}

/** SVG of one frame: sky, ground, roads, then objects from far to near (painter's order). */
export function frameSvg(scene: Scene, opts: FrameOptions): string {
  const { camera: cam, pose } = opts;
  const f = focalPx(cam);
  const toCam = cameraTransform(pose);
  const horizon = cam.height / 2 + f * Math.tan((pose.pitchDeg * Math.PI) / 180);
  const h = horizon.toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cam.width}" height="${cam.height}" viewBox="0 0 ${cam.width} ${cam.height}">`,
    '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#6f9fd8"/><stop offset="1" stop-color="#dce7f0"/></linearGradient>',
    '<linearGradient id="land" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#9aa28c"/><stop offset="1" stop-color="#6b7a55"/></linearGradient></defs>',
    `<rect x="0" y="0" width="${cam.width}" height="${cam.height}" fill="url(#sky)"/>`,
    `<rect x="0" y="${h}" width="${cam.width}" height="${Math.max(0, cam.height - horizon).toFixed(1)}" fill="url(#land)"/>`,
  ];
  for (const poly of scene.ground) {
    if (Math.hypot(poly.cx - pose.x, poly.cy - pose.y) - poly.r > poly.maxDist) continue;
    const clipped = clipNear(poly.pts.map(([x, y]) => toCam(x, y, 0)));
    if (clipped.length < 3) continue;
    const d = clipped.map((p, k) => {
      const [u, v] = projectCamera(cam, f, p);
      return `${k === 0 ? 'M' : 'L'}${u.toFixed(1)} ${v.toFixed(1)}`;
    });
    parts.push(`<path d="${d.join('')}Z" fill="${poly.fill}"/>`);
  }
  const visible = scene.objects
    .map((o) => ({ o, c: toCam(o.x, o.y, o.height) }))
    .filter(({ o, c }) => c[2] > 1 && Math.hypot(o.x - pose.x, o.y - pose.y) <= OBJECT_RANGE_M)
    .sort((a, b) => b.c[2] - a.c[2] || a.o.id.localeCompare(b.o.id));
  for (const { o, c } of visible) parts.push(objectSvg(o, { cam, f, toCam, c, pose, tS: opts.tS }));
  parts.push('</svg>');
  return parts.join('');
}

interface ObjectContext {
  cam: CameraModel;
  f: number;
  toCam: (x: number, y: number, z: number) => [number, number, number];
  c: [number, number, number];
  pose: CameraPose;
  tS: number;
}

/** One object: its pole, then its face (or back) mapped by the affine transform of its projected axes. */
function objectSvg(o: DemoObject, ctx: ObjectContext): string {
  const { cam, f, toCam } = ctx;
  const [w, h] = o.size;
  // The face's right-hand direction as seen from the front is its facing bearing minus 90 degrees.
  const [rx, ry] = unitOf(o.facing - 90);
  const pc = projectCamera(cam, f, ctx.c);
  const pr = projectCamera(cam, f, toCam(o.x + rx * (w / 2), o.y + ry * (w / 2), o.height));
  const pd = projectCamera(cam, f, toCam(o.x, o.y, o.height - h / 2));
  // Design units are centimetres: one unit along x is (pr - pc) / (w/2 in cm).
  const kx = 1 / (w * 50);
  const ky = 1 / (h * 50);
  const m = [(pr[0] - pc[0]) * kx, (pr[1] - pc[1]) * kx, (pd[0] - pc[0]) * ky, (pd[1] - pc[1]) * ky, pc[0], pc[1]];
  const parts: string[] = [];
  const bottom = o.height - h / 2;
  if (bottom > 0.05) {
    const top = toCam(o.x, o.y, bottom);
    const foot = toCam(o.x, o.y, 0);
    if (foot[2] > NEAR_M) {
      const [u1, v1] = projectCamera(cam, f, top);
      const [u2, v2] = projectCamera(cam, f, foot);
      const width = Math.max(0.6, (f * 0.06) / ctx.c[2]);
      parts.push(
        `<path d="M${u1.toFixed(1)} ${v1.toFixed(1)}L${u2.toFixed(1)} ${v2.toFixed(1)}" stroke="#8b8f93" stroke-width="${width.toFixed(2)}"/>`,
      );
    }
  }
  const [nx, ny] = unitOf(o.facing);
  const front = nx * (ctx.pose.x - o.x) + ny * (ctx.pose.y - o.y) > 0;
  const state = o.signal ? signalState(o.signal, ctx.tS) : undefined;
  const body = front ? objectFaceSvg(o, state) : objectBackSvg(o);
  parts.push(`<g transform="matrix(${m.map((v) => v.toFixed(4)).join(' ')})">${body}</g>`);
  return parts.join('');
}

/**
 * Rasterises a frame's SVG to packed RGBA bytes (width x height x 4). RGBA is librsvg's native output: dropping
 * alpha in libvips cost more than piping the extra byte to ffmpeg (22 vs 28 fps at 1280x720 on 2 cores).
 */
export async function rasterizeSvg(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
}

/** Sutherland-Hodgman clip of a camera-frame polygon against the near plane z = NEAR_M. */
function clipNear(poly: Array<[number, number, number]>): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let k = 0; k < poly.length; k++) {
    const a = poly[k] as [number, number, number];
    const b = poly[(k + 1) % poly.length] as [number, number, number];
    const ina = a[2] >= NEAR_M;
    const inb = b[2] >= NEAR_M;
    if (ina) out.push(a);
    if (ina !== inb) {
      const t = (NEAR_M - a[2]) / (b[2] - a[2]);
      out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, NEAR_M]);
    }
  }
  return out;
}

function strip(p: [number, number], q: [number, number], half: number, fill: string, maxDist: number): GroundPolygon {
  const len = Math.hypot(q[0] - p[0], q[1] - p[1]) || 1;
  const nx = ((q[1] - p[1]) / len) * half;
  const ny = (-(q[0] - p[0]) / len) * half;
  const pts: Array<[number, number]> = [
    [p[0] + nx, p[1] + ny],
    [q[0] + nx, q[1] + ny],
    [q[0] - nx, q[1] - ny],
    [p[0] - nx, p[1] - ny],
  ];
  return { pts, fill, cx: (p[0] + q[0]) / 2, cy: (p[1] + q[1]) / 2, r: len / 2 + half, maxDist };
}

function disc(x: number, y: number, r: number, fill: string): GroundPolygon {
  const pts: Array<[number, number]> = [];
  for (let k = 0; k < 16; k++) pts.push([x + r * Math.cos((k * Math.PI) / 8), y + r * Math.sin((k * Math.PI) / 8)]);
  return { pts, fill, cx: x, cy: y, r, maxDist: GROUND_RANGE_M };
}

/** Dash segments along a polyline: `on` metres painted, `off` metres gap, nothing within `clear` of either end. */
function dashes(
  pts: Array<[number, number]>,
  on: number,
  off: number,
  clear: number,
): Array<[[number, number], [number, number]]> {
  const out: Array<[[number, number], [number, number]]> = [];
  const total = polylineLength(pts);
  const at = (s: number): [number, number] => {
    const p = pointAlong(pts, s);
    return [p.x, p.y];
  };
  for (let s = clear; s + on <= total - clear; s += on + off) out.push([at(s), at(s + on)]);
  return out;
}
