import { invalid } from '../../core/index.ts';
import { COCO_LABELS } from '../models/coco-labels.ts';
import type { Detection, Detector, ImageInput } from '../types.ts';
import { type Candidate, decodeCenterNet, decodeYolo, type RawTensor, type YoloFormat } from './decode.ts';
import { parseUltralyticsNames } from './labels.ts';
import { type OnnxModelInfo, readOnnxModelInfo } from './model-info.ts';
import { InThreadRunner, type ModelRunner } from './model-runner.ts';
import { nms } from './nms.ts';
import { type ImageTransform, type PreprocessSpec, preprocess, toImageBox } from './preprocess.ts';
import { mapModelClass } from './taxonomy.ts';
import { WorkerSession } from './worker-session.ts';

/** Options for an ONNX-backed detector. */
export interface OnnxDetectorOptions {
  modelPath: string;
  /** Output decoder: CenterNet's own [B, K, 6] head, or a YOLO v5/v8/11 head. */
  head: 'centernet' | 'yolo';
  /** Class names by id; default: the model's `names` metadata, else COCO. */
  labels?: readonly string[];
  /** Overrides of the per-head input defaults. */
  preprocess?: Partial<PreprocessSpec>;
  intraOpNumThreads?: number;
  /**
   * Run the model in a worker thread (default true): onnxruntime-node blocks its calling thread for the whole
   * inference, so only then can the next frame's decoding and the last frame's OCR overlap it (worker-session.ts).
   */
  worker?: boolean;
  /** Images per session.run when the model's batch dimension is dynamic. */
  batchSize?: number;
  minScore?: number;
  iouThreshold?: number;
  maxDetections?: number;
  yoloFormat?: YoloFormat;
}

function inputSpec(
  head: OnnxDetectorOptions['head'],
  info: OnnxModelInfo,
  over: Partial<PreprocessSpec> = {},
): PreprocessSpec {
  const d = info.inputDims;
  const nchw = d.length === 4 && d[1] === 3;
  const [h, w] = nchw ? [d[2], d[3]] : [d[1], d[2]];
  const base: PreprocessSpec =
    head === 'centernet'
      ? // CenterNet takes 0-255 RGB. Letterboxing (black) beat human's stretch on our street photos: bus 0.68 vs
        // 0.52, stop sign 0.53 vs 0.35, fewer spurious boxes (vision/README.md).
        { width: w ?? 512, height: h ?? 512, fit: 'letterbox', layout: nchw ? 'nchw' : 'nhwc', scale: 1, padValue: 0 }
      : // Ultralytics exports: RGB / 255, letterboxed with grey 114 (ultralytics/data/augment.py LetterBox).
        {
          width: w ?? 640,
          height: h ?? 640,
          fit: 'letterbox',
          layout: nchw ? 'nchw' : 'nhwc',
          scale: 1 / 255,
          padValue: 114,
        };
  const spec = { ...base, ...over };
  if (spec.width <= 0 || spec.height <= 0)
    throw invalid('detector_input', 'model input size is dynamic: set preprocess.width/height');
  return spec;
}

/** The output a head decodes: CenterNet's `.../detections` (not its keypoint and wh maps), a YOLO model's first. */
export function headOutputName(head: OnnxDetectorOptions['head'], outputNames: readonly string[]): string | undefined {
  return head === 'centernet' ? (outputNames.find((o) => o.endsWith('detections')) ?? outputNames[0]) : outputNames[0];
}

/** A Detector running an ONNX model on onnxruntime-node (CPU). */
export class OnnxDetector implements Detector {
  readonly name: string;
  private constructor(
    private readonly runner: ModelRunner,
    private readonly info: OnnxModelInfo,
    private readonly spec: PreprocessSpec,
    private readonly labels: readonly string[],
    private readonly opts: OnnxDetectorOptions,
  ) {
    this.name = `${opts.head}:${opts.modelPath}`;
  }

  /** Opens the model; reads its input shape and class names. */
  static async create(opts: OnnxDetectorOptions): Promise<OnnxDetector> {
    const info = await readOnnxModelInfo(opts.modelPath);
    const labels = opts.labels ?? parseUltralyticsNames(info.metadata['names'] ?? '') ?? COCO_LABELS;
    const runner =
      opts.worker === false
        ? await InThreadRunner.open(opts.modelPath, opts.intraOpNumThreads)
        : await WorkerSession.open(opts.modelPath, opts.intraOpNumThreads);
    return new OnnxDetector(runner, info, inputSpec(opts.head, info, opts.preprocess), labels, opts);
  }

  /** Images per run: the model's fixed batch, or the configured batch size when the batch is dynamic. */
  get batchSize(): number {
    const b = this.info.inputDims[0] ?? -1;
    return b > 0 ? b : Math.max(1, this.opts.batchSize ?? 4);
  }

  /**
   * The one output the head decodes. Only it is fetched: onnxruntime-node copies every fetched output into a fresh
   * JS array, and CenterNet's unused `keypoints` (1x128x128x80) and `wh` heads cost more to copy and collect than
   * the JS side of detection itself (vision/README.md).
   */
  get outputName(): string {
    const name = headOutputName(this.opts.head, this.info.outputNames);
    if (name === undefined) throw invalid('detector_output', `${this.name}: the model has no outputs`);
    return name;
  }

  /** Detects objects in each image (preprocessing a batch concurrently, then one session.run per batch). */
  async detect(images: readonly ImageInput[]): Promise<Detection[][]> {
    const out: Detection[][] = [];
    const fixed = (this.info.inputDims[0] ?? -1) > 0;
    for (let i = 0; i < images.length; i += this.batchSize) {
      const chunk = images.slice(i, i + this.batchSize);
      const pre = await Promise.all(chunk.map((img) => preprocess(img, this.spec)));
      const per = this.spec.width * this.spec.height * 3;
      // A fixed batch larger than the chunk is padded with zero images whose results are dropped.
      const n = fixed ? this.batchSize : chunk.length;
      // One image fills the batch: its tensor is the input as it is, without a copy.
      let data = pre[0]!.data;
      if (n > 1) {
        data = new Float32Array(per * n);
        for (const [k, p] of pre.entries()) data.set(p.data, k * per);
      }
      const dims =
        this.spec.layout === 'nchw'
          ? [n, 3, this.spec.height, this.spec.width]
          : [n, this.spec.height, this.spec.width, 3];
      const raw = await this.infer(data, dims);
      for (const [k, p] of pre.entries()) out.push(this.finish(this.decode(raw, k), p.transform));
    }
    return out;
  }

  /** One run of the model on `data` (handed over: a worker runner takes its buffer), returning the decoded head. */
  private async infer(data: Float32Array, dims: number[]): Promise<RawTensor> {
    const name = this.outputName;
    const out = (await this.runner.run(this.info.inputName, { data, dims }, [name]))[name];
    if (!out) throw invalid('detector_output', `${this.name}: no float32 output ${name}`);
    return { data: out.data, dims: [...out.dims] };
  }

  private decode(raw: RawTensor, k: number): Candidate[] {
    const minScore = this.opts.minScore ?? 0.3;
    if (this.opts.head === 'centernet') return decodeCenterNet(raw, k, minScore);
    return decodeYolo(raw, k, { numClasses: this.labels.length, minScore, format: this.opts.yoloFormat });
  }

  private finish(cands: Candidate[], t: ImageTransform): Detection[] {
    const kept = nms(cands, {
      iouThreshold: this.opts.iouThreshold ?? 0.5,
      maxDetections: this.opts.maxDetections ?? 100,
    });
    return kept.map((c) => {
      const label = this.labels[c.classId] ?? `class_${c.classId}`;
      return {
        box: toImageBox(c.box, t),
        score: c.score,
        classId: c.classId,
        label,
        feature: mapModelClass(label)?.feature,
      };
    });
  }

  /** Releases the model (and stops its worker thread). */
  close(): Promise<void> {
    return this.runner.close();
  }
}
