import * as ort from 'onnxruntime-node';
import { nms } from '../detect/nms.ts';
import { sessionOptions } from '../detect/session-options.ts';
import { type RgbImage, resizeRgb } from '../image/raw-image.ts';
import { MODEL_PATHS } from '../models/paths.ts';
import type { Box } from '../types.ts';
import { type Anchor, decodeBlazeFace, ssdAnchors } from './blazeface-anchors.ts';

/** A face found in a frame, box in frame pixels. */
export interface Face {
  box: Box;
  score: number;
}

/** Face search settings. */
export interface FaceOptions {
  modelPath?: string;
  threads?: number;
  /** MediaPipe uses 0.5 (min_score_thresh); privacy prefers recall. */
  minScore?: number;
  /** Side of a tile in frame pixels before it is scaled to the model input (small = finds smaller faces). */
  tile?: number;
  /** Skip views with no texture at all (see FLAT_ACTIVITY); default true. False runs every view (tests compare). */
  skipFlat?: boolean;
}

/** Side of the blocks whose texture decides whether a view can hold a face. */
const BLOCK = 8;

/**
 * A view is skipped when none of its 8x8 blocks has a mean grey gradient (|dx| + |dy| per pixel) of at least this:
 * flat sky, a bonnet, a rendered road. Every BlazeFace hit on the shared images (real photos, 14-371 px faces, true
 * and false) has a block of 5.8 or more in its box; real photos have few such tiles (0-11 % of the small tiles: noise
 * and texture), rendered demo frames about two thirds (test/vision/face-tiles.test.ts).
 */
export const FLAT_ACTIVITY = 2;

/** The activity (see FLAT_ACTIVITY) of each 8x8 block of the frame, row-major, partial blocks included. */
export function blockActivity(img: RgbImage): { cols: number; rows: number; data: Float32Array } {
  const { width: w, height: h, data: px } = img;
  const luma = new Uint8Array(w * h);
  for (let i = 0, j = 0; i < luma.length; i++, j += 3)
    luma[i] = (px[j]! * 77 + px[j + 1]! * 150 + px[j + 2]! * 29) >> 8;
  const cols = Math.ceil(w / BLOCK);
  const rows = Math.ceil(h / BLOCK);
  const sum = new Float32Array(cols * rows);
  for (let y = 0; y < h - 1; y++) {
    const row = y * w;
    const b = Math.floor(y / BLOCK) * cols;
    for (let x = 0; x < w - 1; x++) {
      const c = luma[row + x]!;
      sum[b + Math.floor(x / BLOCK)]! += Math.abs(luma[row + x + 1]! - c) + Math.abs(luma[row + w + x]! - c);
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / (BLOCK * BLOCK);
  return { cols, rows, data: sum };
}

/** True when no block overlapping the view reaches FLAT_ACTIVITY. */
function flatView(act: ReturnType<typeof blockActivity>, v: View): boolean {
  const bx2 = Math.min(act.cols, Math.ceil((v.x + v.side) / BLOCK));
  const by2 = Math.min(act.rows, Math.ceil((v.y + v.side) / BLOCK));
  for (let by = Math.floor(v.y / BLOCK); by < by2; by++)
    for (let bx = Math.floor(v.x / BLOCK); bx < bx2; bx++)
      if (act.data[by * act.cols + bx]! >= FLAT_ACTIVITY) return false;
  return true;
}

/** One view of the frame given to the model: a square region scaled to the input size. */
export interface View {
  x: number;
  y: number;
  side: number;
}

/** Tile origins along one axis: tiles of `side` overlapping by a quarter, the last one flush with the edge. */
function tileStarts(length: number, side: number): number[] {
  if (length <= side) return [0];
  const step = Math.floor(side * 0.75);
  const out: number[] = [];
  for (let p = 0; p + side < length; p += step) out.push(p);
  out.push(length - side);
  return out;
}

/** BlazeFace (MediaPipe, back-camera 256 model by default) run over a tile pyramid of the frame. */
export class FaceDetector {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly size: number,
    private readonly anchors: Anchor[],
    private readonly outs: { scores: string; boxes: string }[],
    private readonly opts: FaceOptions,
  ) {
    this.logits = new Float32Array(anchors.length);
    this.boxes = new Float32Array(anchors.length * 16);
  }

  /** Output buffers shared by all views: filled and decoded with no await in between, so calls may overlap. */
  private readonly logits: Float32Array;
  private readonly boxes: Float32Array;

  /** Opens the model and derives its anchor grid from the output shapes. */
  static async create(opts: FaceOptions = {}): Promise<FaceDetector> {
    const session = await ort.InferenceSession.create(
      opts.modelPath ?? MODEL_PATHS.blazefaceBack,
      sessionOptions(opts.threads),
    );
    const meta = session.inputMetadata[0];
    const size = meta?.isTensor ? Number(meta.shape[1]) : 256;
    // Outputs: [1, N, 1] scores and [1, N, 16] regressors per anchor layer; pair them by N, keep output order.
    const shapes = session.outputMetadata.map((m) => ({ name: m.name, shape: m.isTensor ? m.shape.map(Number) : [] }));
    const scoreOuts = shapes.filter((s) => s.shape[2] === 1);
    const outs = scoreOuts.map((s) => {
      const b = shapes.find((o) => o.shape[2] === 16 && o.shape[1] === s.shape[1]);
      if (!b) throw new Error(`blazeface: no regressor output for ${s.name}`);
      return { scores: s.name, boxes: b.name };
    });
    const anchors = ssdAnchors(scoreOuts.map((s) => s.shape[1]!));
    return new FaceDetector(session, size, anchors, outs, opts);
  }

  /** The views: tiles of `tile` px with 25 % overlap, the same over a 4x smaller frame, and the whole frame. */
  views(width: number, height: number): View[] {
    const out: View[] = [];
    const tile = this.opts.tile ?? 192;
    for (const side of [tile, tile * 4]) {
      if (side >= Math.max(width, height)) continue;
      for (const y of tileStarts(height, Math.min(side, height)))
        for (const x of tileStarts(width, Math.min(side, width)))
          out.push({ x, y, side: Math.min(side, width, height) });
    }
    out.push({ x: 0, y: 0, side: Math.max(width, height) });
    return out;
  }

  /** The views searched in this frame: all `views` but the flat ones (unless `skipFlat` is false). */
  searchViews(img: RgbImage): View[] {
    const all = this.views(img.width, img.height);
    if (this.opts.skipFlat === false) return all;
    const act = blockActivity(img);
    return all.filter((v) => !flatView(act, v));
  }

  /** Finds faces in a frame (the searched views, then NMS across views). */
  async detect(img: RgbImage): Promise<Face[]> {
    const all: Face[] = [];
    // One input tensor per call, reused by its views (calls for several frames may overlap).
    const input = new Float32Array(this.size * this.size * 3);
    const tensor = new ort.Tensor('float32', input, [1, this.size, this.size, 3]);
    // Views of one side share one resize of the whole frame to the model's scale; each tile is then a window of
    // that resized frame copied straight into the (reused) input tensor. Before, every one of the 48-611 views was
    // cropped, resized by sharp and given a fresh tensor: the search over the shared photos took ~17 % longer.
    const bySide = new Map<number, View[]>();
    for (const v of this.searchViews(img)) bySide.set(v.side, [...(bySide.get(v.side) ?? []), v]);
    for (const [side, views] of bySide) {
      const k = this.size / side;
      const scaled = await resizeRgb(
        img,
        Math.max(1, Math.round(img.width * k)),
        Math.max(1, Math.round(img.height * k)),
      );
      for (const v of views) all.push(...(await this.runView(scaled, v, k, tensor)));
    }
    return nms(
      all.map((f) => ({ ...f, classId: 0 })),
      { iouThreshold: 0.3 },
    ).map(({ box, score }) => ({ box, score }));
  }

  /** Runs one view: the window of `scaled` (the frame resized by `k`) at the view's origin, padded to the input. */
  private async runView(scaled: RgbImage, v: View, k: number, tensor: ort.Tensor): Promise<Face[]> {
    const x0 = Math.min(Math.round(v.x * k), scaled.width - 1);
    const y0 = Math.min(Math.round(v.y * k), scaled.height - 1);
    const rw = Math.min(this.size, scaled.width - x0);
    const rh = Math.min(this.size, scaled.height - y0);
    // Input: [1, S, S, 3] RGB in [-1, 1]; a view smaller than the square is padded (bottom/right) with 0 (grey).
    const data = tensor.data as Float32Array;
    if (rw < this.size || rh < this.size) data.fill(0);
    const row = this.size * 3;
    for (let y = 0; y < rh; y++) {
      const src = ((y0 + y) * scaled.width + x0) * 3;
      const dst = y * row;
      for (let x = 0; x < rw * 3; x++) data[dst + x] = TO_UNIT[scaled.data[src + x]!]!;
    }
    const feeds = { [this.session.inputNames[0]!]: tensor };
    const res = await this.session.run(feeds);
    const logits = concat(
      this.outs.map((o) => res[o.scores]!.data as Float32Array),
      this.logits,
    );
    const boxes = concat(
      this.outs.map((o) => res[o.boxes]!.data as Float32Array),
      this.boxes,
    );
    const faces = decodeBlazeFace(logits, boxes, this.anchors, this.size, this.opts.minScore ?? 0.5);
    const s = v.side;
    return faces.map((f) => ({
      score: f.score,
      box: { x1: v.x + f.box.x1 * s, y1: v.y + f.box.y1 * s, x2: v.x + f.box.x2 * s, y2: v.y + f.box.y2 * s },
    }));
  }

  /** Releases the session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Byte -> model input value ([0, 255] to [-1, 1]). */
const TO_UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 127.5 - 1);

/** Concatenates the per-layer outputs into `out` (sized once for the model). */
function concat(parts: Float32Array[], out: Float32Array): Float32Array {
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
