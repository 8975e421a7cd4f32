import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyseFrame, type FrameDetection } from './analyse-frame.ts';
import { annotateImage } from './annotate.ts';
import { mapBounded } from './run-bounded.ts';
import { openVisionModels, type VisionModels } from './vision-models.ts';

/** Options of `mapmint detect <images...>`. */
export interface DetectImagesOptions {
  models?: VisionModels;
  annotateDir?: string;
  concurrency?: number;
  onProgress?: (p: { done: number; total: number; file: string }) => void;
}

/** Detections of one image file (and the annotated copy written, if any). */
export interface ImageResult {
  file: string;
  detections: FrameDetection[];
  annotated: string | undefined;
}

/** `mapmint detect <images...> [--annotate dir]`: detection + sign OCR on image files, nothing stored. */
export async function detectImages(files: readonly string[], opts: DetectImagesOptions = {}): Promise<ImageResult[]> {
  const models = opts.models ?? (await openVisionModels());
  let done = 0;
  try {
    return await mapBounded(files, opts.concurrency ?? 2, async (file) => {
      const r = await analyseFrame(await readFile(file), models);
      let annotated: string | undefined;
      if (opts.annotateDir) {
        annotated = path.join(opts.annotateDir, `${path.parse(file).name}.annotated.jpg`);
        await annotateImage(r.img, r.detections, annotated);
      }
      opts.onProgress?.({ done: ++done, total: files.length, file });
      return { file, detections: r.detections, annotated };
    });
  } finally {
    if (!opts.models) await models.close();
  }
}
