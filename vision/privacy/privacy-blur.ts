import { createDetector } from '../detect/config.ts';
import { nms } from '../detect/nms.ts';
import { mapModelClass } from '../detect/taxonomy.ts';
import { decodeRgb, encodeJpeg, type RgbImage } from '../image/raw-image.ts';
import { OcrEngine } from '../ocr/ocr-engine.ts';
import type { Detection, Detector } from '../types.ts';
import { blurRegions } from './blur-regions.ts';
import { FaceDetector, type FaceOptions } from './face-detector.ts';
import {
  carriesPlate,
  coveredFraction,
  headRegion,
  isPerson,
  type PrivacyRegion,
  plateLike,
  plateSearchArea,
  signColoured,
} from './regions.ts';

/** The models the privacy step runs; pass open ones to share them with the detection stage. */
export interface PrivacyModels {
  detector: Detector;
  faces: FaceDetector;
  ocr: OcrEngine;
}

/** Options of openPrivacyBlur. */
export interface PrivacyOptions {
  models?: Partial<PrivacyModels>;
  threads?: number;
  faces?: FaceOptions;
  /** JPEG quality of re-encoded frames (ingest stores 85). */
  quality?: number;
}

/** A frame as ingest's BeforeStore hook sees it: its decoded RGB24 pixels (rows without padding). */
export interface PixelCarrier {
  rgb: Buffer;
  width: number;
  height: number;
}

/** Finds what must be blurred: BlazeFace faces, the heads of detected persons, text regions in vehicles' lower parts. */
export async function findPrivacyRegions(
  img: RgbImage,
  detections: readonly Detection[],
  models: Pick<PrivacyModels, 'faces' | 'ocr'>,
  plateArea = 1,
): Promise<PrivacyRegion[]> {
  const out: PrivacyRegion[] = [];
  const faces = models.faces.detect(img);
  for (const d of detections) if (isPerson(d)) out.push({ box: headRegion(d.box), kind: 'head', score: d.score });
  // Overlapping vehicle boxes (car and truck on one object) are searched once.
  const vehicles = nms(
    detections.filter(carriesPlate).map((d) => ({ ...d, classId: 0 })),
    { iouThreshold: 0.7 },
  );
  for (const v of vehicles) {
    // Small vehicle crops are upscaled: plate characters of a 60 px plate are ~15 px tall.
    const texts = await models.ocr.findText(img, plateSearchArea(v.box, plateArea), { minSide: 480 });
    for (const t of texts) if (plateLike(t, v.box)) out.push({ box: t.box, kind: 'plate', score: t.score });
  }
  // BlazeFace fires on round signs ("40" in a red ring scored 0.77 on roadsign_road554.png) and blurring them
  // would erase what the map needs: a face lying mostly inside a detected sign/light and in no person is dropped.
  const signs = detections.filter((d) => mapModelClass(d.label)?.role === 'map-feature').map((d) => d.box);
  const people = detections.filter(isPerson).map((d) => d.box);
  // It also fires on signs the detector missed (small, far ones on the demo drive): a hit coloured like a sign (red,
  // no skin) and in no person is dropped too (regions.ts signColoured).
  for (const f of await faces) {
    const inPerson = coveredFraction(f.box, people, 8) > 0;
    const onSign = !inPerson && (coveredFraction(f.box, signs, 8) >= 0.5 || signColoured(img, f.box));
    if (!onSign) out.push({ box: f.box, kind: 'face', score: f.score });
  }
  return out;
}

/** The privacy step: finds faces and plates and blurs them, on decoded pixels or on encoded frames. */
export class PrivacyBlur {
  private constructor(
    readonly models: PrivacyModels,
    private readonly owned: (keyof PrivacyModels)[],
    private readonly quality: number,
  ) {}

  /** Blurs a decoded image in place; returns the regions found (unpadded) for reporting. */
  async blurImage(img: RgbImage, detections?: readonly Detection[]): Promise<PrivacyRegion[]> {
    const dets = detections ?? (await this.models.detector.detect([img]))[0] ?? [];
    const regions = await findPrivacyRegions(img, dets, this.models);
    await blurRegions(
      img,
      regions.map((r) => r.box),
    );
    return regions;
  }

  /** Decodes (once: the detector runs on the decoded pixels), blurs and re-encodes a JPEG; also returns the regions. */
  async blurJpeg(jpeg: Buffer): Promise<{ jpeg: Buffer; regions: PrivacyRegion[] }> {
    const img = await decodeRgb(jpeg);
    const regions = await this.blurImage(img);
    return { jpeg: await encodeJpeg(img, this.quality), regions };
  }

  /**
   * A hook for ingest's FrameWriter (`BeforeStore`): blurs the frame's pixels in place while still in memory and
   * returns the frame, which the writer then encodes once (no decode, one encode). Stored JPEGs go through
   * `blurJpeg` instead.
   */
  readonly beforeStore = async <F extends PixelCarrier>(frame: F): Promise<F> => {
    await this.blurImage({ data: frame.rgb, width: frame.width, height: frame.height });
    return frame;
  };

  /** Opens the models not passed in (CenterNet, BlazeFace back 256, PP-OCRv4 det/rec). */
  static async open(opts: PrivacyOptions = {}): Promise<PrivacyBlur> {
    const m = opts.models ?? {};
    const threads = opts.threads;
    const owned = (['detector', 'faces', 'ocr'] as const).filter((k) => m[k] === undefined);
    const [detector, faces, ocr] = await Promise.all([
      m.detector ?? createDetector({ model: 'centernet', threads }),
      m.faces ?? FaceDetector.create({ threads, ...opts.faces }),
      m.ocr ?? OcrEngine.create({ threads }),
    ]);
    return new PrivacyBlur({ detector, faces, ocr }, owned, opts.quality ?? 85);
  }

  /** Closes the models this instance opened itself. */
  async close(): Promise<void> {
    await Promise.all(this.owned.map((k) => this.models[k].close()));
  }
}

/** Opens the privacy step; `(await openPrivacyBlur()).beforeStore` plugs into ingest sampling. */
export function openPrivacyBlur(opts: PrivacyOptions = {}): Promise<PrivacyBlur> {
  return PrivacyBlur.open(opts);
}
