import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../storage/index.ts';
import { convertGraphModel } from './convert-graph.ts';
import { readGraphModel } from './read-graph-model.ts';

/** Bump when the converter's output for the same input changes, to invalidate cached models. */
export const CONVERTER_VERSION = 1;

/** What ensureConverted did. */
export interface ConvertResult {
  onnxPath: string;
  status: 'cached' | 'converted';
  inputSha256: string;
  outputSha256: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Converts `jsonPath` (tfjs graph model) to `onnxPath` unless the sidecar `<onnxPath>.meta.json` records the same
 * input checksum (model.json + weight shards + converter version) and the ONNX file still has its recorded checksum.
 */
export async function ensureConverted(opts: {
  jsonPath: string;
  onnxPath: string;
  metadata?: Record<string, string>;
}): Promise<ConvertResult> {
  const json = await readFile(opts.jsonPath);
  const manifest = JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  const h = createHash('sha256').update(`mapmint-tfjs2onnx v${CONVERTER_VERSION}\n`).update(json);
  for (const g of manifest.weightsManifest ?? []) {
    for (const p of g.paths) h.update(await readFile(path.join(path.dirname(opts.jsonPath), p)));
  }
  h.update(JSON.stringify(opts.metadata ?? {}));
  const inputSha256 = h.digest('hex');
  const metaPath = `${opts.onnxPath}.meta.json`;
  const meta = await readJson<{ inputSha256: string; outputSha256: string }>(metaPath);
  if (meta?.inputSha256 === inputSha256) {
    const existing = await readFile(opts.onnxPath).catch(() => undefined);
    if (existing && sha256(existing) === meta.outputSha256) {
      return { onnxPath: opts.onnxPath, status: 'cached', inputSha256, outputSha256: meta.outputSha256 };
    }
  }
  const bytes = convertGraphModel(await readGraphModel(opts.jsonPath), { metadata: opts.metadata });
  const outputSha256 = sha256(bytes);
  await mkdir(path.dirname(opts.onnxPath), { recursive: true });
  await writeFileAtomic(opts.onnxPath, bytes);
  await writeFileAtomic(
    metaPath,
    `${JSON.stringify({ inputSha256, outputSha256, converterVersion: CONVERTER_VERSION }, null, 2)}\n`,
  );
  return { onnxPath: opts.onnxPath, status: 'converted', inputSha256, outputSha256 };
}
