import * as ort from 'onnxruntime-node';
import { nms } from '../detect/nms.ts';
import { sessionOptions } from '../detect/session-options.ts';
import type { Box } from '../detect/types.ts';
import { cropRgb, type RgbImage, resizeRgb } from '../image/raw-image.ts';
import { MODEL_PATHS } from '../models/paths.ts';
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
}

/** One view of the frame given to the model: a square region scaled to the input size. */
interface View {
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
  ) {}

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

  /** Finds faces in a frame (all views, then NMS across views). */
  async detect(img: RgbImage): Promise<Face[]> {
    const all: Face[] = [];
    for (const v of this.views(img.width, img.height)) all.push(...(await this.runView(img, v)));
    return nms(
      all.map((f) => ({ ...f, classId: 0 })),
      { iouThreshold: 0.3 },
    ).map(({ box, score }) => ({ box, score }));
  }

  private async runView(img: RgbImage, v: View): Promise<Face[]> {
    const w = Math.min(v.side, img.width - v.x);
    const h = Math.min(v.side, img.height - v.y);
    const s = this.size / v.side;
    const rw = Math.max(1, Math.round(w * s));
    const rh = Math.max(1, Math.round(h * s));
    const px = await resizeRgb(cropRgb(img, { x1: v.x, y1: v.y, x2: v.x + w, y2: v.y + h }), rw, rh);
    // Input: [1, S, S, 3] RGB in [-1, 1]; a view smaller than the square is padded (bottom/right) with 0 (grey).
    const data = new Float32Array(this.size * this.size * 3);
    for (let y = 0; y < rh; y++)
      for (let x = 0; x < rw * 3; x++) data[y * this.size * 3 + x] = px.data[y * rw * 3 + x]! / 127.5 - 1;
    const feeds = { [this.session.inputNames[0]!]: new ort.Tensor('float32', data, [1, this.size, this.size, 3]) };
    const res = await this.session.run(feeds);
    const logits = concat(this.outs.map((o) => res[o.scores]!.data as Float32Array));
    const boxes = concat(this.outs.map((o) => res[o.boxes]!.data as Float32Array));
    const faces = decodeBlazeFace(logits, boxes, this.anchors, this.size, this.opts.minScore ?? 0.5);
    const k = v.side;
    return faces.map((f) => ({
      score: f.score,
      box: { x1: v.x + f.box.x1 * k, y1: v.y + f.box.y1 * k, x2: v.x + f.box.x2 * k, y2: v.y + f.box.y2 * k },
    }));
  }

  /** Releases the session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
