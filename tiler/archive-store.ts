/**
 * Versioned archives in one directory: each build writes `map.<version>.pmtiles` beside the previous ones, then
 * swaps the `current.json` pointer by rename. A server follows the pointer; the strong ETag is the archive's
 * SHA-256, so a client that read bytes of an older version sees the ETag change and refetches (or gets 412).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/index.ts';
import type { ArchiveSummary, TileSink } from './pmtiles/index.ts';
import { createFileSink } from './pmtiles/index.ts';

/** What `current.json` says: which file is live, its version number and its ETag. */
export interface ArchiveVersion {
  version: number;
  /** File name inside the archive directory. */
  file: string;
  /** Strong ETag, quoted as HTTP sends it. */
  etag: string;
  size: number;
}

/** Name of the pointer file. */
export const CURRENT_FILE = 'current.json';
const VERSION_FILE = /^map\.(\d{6,})\.pmtiles$/;
// The live version and the one before it stay on disk: a reader that opened the old file finishes undisturbed.
const KEEP_VERSIONS = 2;

/** The live version in `dir`, or undefined before the first build. */
export async function readCurrent(dir: string): Promise<ArchiveVersion | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, CURRENT_FILE), 'utf8')) as ArchiveVersion;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Full path of a version's file. */
export function versionPath(dir: string, v: Pick<ArchiveVersion, 'file'>): string {
  return path.join(dir, v.file);
}

/**
 * Write a new version with `write` (given a sink that hashes what passes through), then point `current.json` at it
 * and delete versions older than the previous one. Callers serialise publishers (see `withTilerLock`).
 */
export async function publishVersion(
  dir: string,
  write: (sink: TileSink) => Promise<ArchiveSummary>,
): Promise<{ version: ArchiveVersion; summary: ArchiveSummary }> {
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).map((f) => VERSION_FILE.exec(f)).filter((m) => m !== null);
  const last = Math.max(0, (await readCurrent(dir))?.version ?? 0, ...existing.map((m) => Number(m[1])));
  const version = last + 1;
  const file = `map.${String(version).padStart(6, '0')}.pmtiles`;
  const inner = await createFileSink(path.join(dir, file));
  const hash = createHash('sha256');
  const summary = await write({
    write: async (bytes) => {
      hash.update(bytes);
      await inner.write(bytes);
    },
    commit: () => inner.commit(),
    abort: () => inner.abort(),
  });
  const v: ArchiveVersion = { version, file, etag: `"${hash.digest('hex').slice(0, 32)}"`, size: summary.size };
  await writeFileAtomic(path.join(dir, CURRENT_FILE), `${JSON.stringify(v)}\n`);
  for (const m of existing) {
    if (Number(m[1]) <= version - KEEP_VERSIONS) await rm(path.join(dir, m[0]), { force: true });
  }
  return { version: v, summary };
}
