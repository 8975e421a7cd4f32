import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../detect/session-options.ts';
import { cropRgb, pixelBox, type RgbImage, resizeRgb } from '../image/raw-image.ts';
import { MODEL_PATHS } from '../models/paths.ts';
import type { Box } from '../types.ts';
import { ctcAlphabet, ctcGreedy, type Recognised } from './ctc.ts';
import { type DbOptions, dbBoxes, type TextRegion } from './db-postprocess.ts';

/** Where the PP-OCR models live and how many threads each session may use. */
export interface OcrOptions {
  detPath?: string;
  recPath?: string;
  keysPath?: string;
  threads?: number;
}

/** How to search a region for text. */
export interface FindTextOptions extends DbOptions {
  /** Longest side of the detector input (PaddleOCR's det_limit_side_len 960). */
  maxSide?: number;
  /** Small regions are upscaled so their longest side reaches this (text on a 50 px sign needs it). */
  minSide?: number;
}

/** A line of text read in an image, box in image pixels. */
export interface TextLine extends Recognised {
  box: Box;
  detScore: number;
}

/** Recogniser input height of PP-OCRv3/v4 (rec_image_shape 3,48,320). */
const REC_H = 48;
/** ImageNet mean/std, applied by PaddleOCR to BGR channels in this order. */
const DET_MEAN = [0.485, 0.456, 0.406] as const;
const DET_STD = [0.229, 0.224, 0.225] as const;

/** PP-OCRv4 text detection (DB) and recognition (CTC) on onnxruntime-node. */
export class OcrEngine {
  readonly modelId = 'pp-ocrv4';
  private constructor(
    private readonly det: ort.InferenceSession,
    private readonly rec: ort.InferenceSession,
    private readonly chars: string[],
  ) {}

  /** Opens the detector and recogniser sessions and reads the keys file. */
  static async create(opts: OcrOptions = {}): Promise<OcrEngine> {
    const so = sessionOptions(opts.threads);
    const [det, rec, keys] = await Promise.all([
      ort.InferenceSession.create(opts.detPath ?? MODEL_PATHS.ocrDet, so),
      ort.InferenceSession.create(opts.recPath ?? MODEL_PATHS.ocrRec, so),
      readFile(opts.keysPath ?? MODEL_PATHS.ocrKeys, 'utf8'),
    ]);
    return new OcrEngine(det, rec, ctcAlphabet(keys));
  }

  /** Finds text regions inside `region` (default: the whole image); boxes in image pixels. */
  async findText(img: RgbImage, region?: Box, opts: FindTextOptions = {}): Promise<TextRegion[]> {
    const r = pixelBox(region ?? { x1: 0, y1: 0, x2: img.width, y2: img.height }, img.width, img.height);
    if (!r) return [];
    const crop = cropRgb(img, r);
    const long = Math.max(crop.width, crop.height);
    let s = Math.min(1, (opts.maxSide ?? 960) / long);
    if (long * s < (opts.minSide ?? 0)) s = (opts.minSide ?? 0) / long;
    const w = Math.max(32, Math.round((crop.width * s) / 32) * 32);
    const h = Math.max(32, Math.round((crop.height * s) / 32) * 32);
    const px = await resizeRgb(crop, w, h);
    const n = w * h;
    const data = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const v = px.data[i * 3 + (2 - c)]! / 255; // plane c holds BGR channel c
        data[c * n + i] = (v - DET_MEAN[c]!) / DET_STD[c]!;
      }
    }
    const res = await this.det.run({ [this.det.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, h, w]) });
    const out = res[this.det.outputNames[0]!]!;
    const [oh, ow] = [out.dims[2]!, out.dims[3]!];
    const sx = crop.width / ow;
    const sy = crop.height / oh;
    return dbBoxes(out.data as Float32Array, ow, oh, opts).map((t) => ({
      score: t.score,
      box: { x1: r.x1 + t.box.x1 * sx, y1: r.y1 + t.box.y1 * sy, x2: r.x1 + t.box.x2 * sx, y2: r.y1 + t.box.y2 * sy },
    }));
  }

  /** Reads one line of text from each box (CTC greedy decoding); one batch, padded to the widest crop. */
  async recognise(img: RgbImage, boxes: readonly Box[]): Promise<Recognised[]> {
    const crops: RgbImage[] = [];
    for (const b of boxes) {
      const p = pixelBox(b, img.width, img.height);
      if (!p) {
        crops.push({ data: Buffer.alloc(REC_H * REC_H * 3), width: REC_H, height: REC_H });
        continue;
      }
      const c = cropRgb(img, p);
      const w = Math.min(REC_H * 25, Math.max(8, Math.ceil((REC_H * c.width) / c.height)));
      crops.push(await resizeRgb(c, w, REC_H));
    }
    if (crops.length === 0) return [];
    // PaddleOCR pads every crop of a batch to max(320, widest) with zeros after normalisation.
    const W = Math.max(320, ...crops.map((c) => c.width));
    const plane = REC_H * W;
    const data = new Float32Array(crops.length * 3 * plane);
    for (const [k, c] of crops.entries()) {
      for (let y = 0; y < REC_H; y++) {
        for (let x = 0; x < c.width; x++) {
          const i = (y * c.width + x) * 3;
          for (let ch = 0; ch < 3; ch++) {
            data[k * 3 * plane + ch * plane + y * W + x] = c.data[i + (2 - ch)]! / 127.5 - 1;
          }
        }
      }
    }
    const input = new ort.Tensor('float32', data, [crops.length, 3, REC_H, W]);
    const res = await this.rec.run({ [this.rec.inputNames[0]!]: input });
    const out = res[this.rec.outputNames[0]!]!;
    const [, T, C] = out.dims as [number, number, number];
    const all = out.data as Float32Array;
    return crops.map((_, k) => ctcGreedy(all.subarray(k * T * C, (k + 1) * T * C), T, C, this.chars));
  }

  /** Finds and reads every text line inside `region`. */
  async read(img: RgbImage, region?: Box, opts: FindTextOptions = {}): Promise<TextLine[]> {
    const found = await this.findText(img, region, opts);
    const texts = await this.recognise(
      img,
      found.map((f) => f.box),
    );
    return found.map((f, i) => ({ ...texts[i]!, box: f.box, detScore: f.score }));
  }

  /** Releases both sessions. */
  async close(): Promise<void> {
    await Promise.all([this.det.release(), this.rec.release()]);
  }
}
