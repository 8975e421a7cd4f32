/**
 * The upload form's memory across page loads: each upload this browser declared and has not finished sending, with
 * its manifest and each file's modification time, so that after a reload the page can say which upload can be
 * resumed, match the files chosen again without hashing them again, and never declare the same drive twice. The
 * transfer URLs themselves are in tus-js-client's URL storage (keys `tus::mapmint:<upload>.<file>::…`).
 */
import type { UploadManifest } from './api.ts';

const KEY = 'mapmint.pendingUploads';

/** One declared upload whose files are not all sent yet. */
export interface PendingUpload {
  uploadId: string;
  /** The signed-in address that declared it: another account on this browser does not see it. */
  owner: string;
  declaredAt: string;
  manifest: UploadManifest;
  /** Per declared file (same order as the manifest), the chosen file's lastModified when it was hashed. */
  lastModified: number[];
}

/** This browser's unfinished uploads of `owner`, newest first. */
export function pendingUploads(owner: string): PendingUpload[] {
  return readAll()
    .filter((p) => p.owner.toLowerCase() === owner.toLowerCase())
    .sort((a, b) => b.declaredAt.localeCompare(a.declaredAt));
}

/** Records a declared upload (replacing an earlier record of the same id). */
export function rememberUpload(p: PendingUpload): void {
  writeAll([...readAll().filter((o) => o.uploadId !== p.uploadId), p]);
}

/** Forgets an upload: its record and any transfer URLs tus-js-client kept for its files. */
export function forgetUpload(uploadId: string): void {
  writeAll(readAll().filter((o) => o.uploadId !== uploadId));
  const prefix = `tus::mapmint:${uploadId}.`;
  for (const k of Object.keys(localStorage)) if (k.startsWith(prefix)) localStorage.removeItem(k);
}

/** The transfer URL tus-js-client stored for file `idx` of an upload, if a transfer was started. */
export function storedTransferUrl(uploadId: string, idx: number): string | undefined {
  const prefix = `tus::mapmint:${uploadId}.${idx}::`;
  for (const k of Object.keys(localStorage)) {
    if (!k.startsWith(prefix)) continue;
    try {
      const url = (JSON.parse(localStorage.getItem(k) ?? '{}') as { uploadUrl?: string }).uploadUrl;
      if (url) return url;
    } catch {
      localStorage.removeItem(k);
    }
  }
  return undefined;
}

/**
 * Which declared file each chosen file is, by name and size; undefined when any chosen file is not in `p` (then
 * the choice is a different drive).
 */
export function matchFiles(p: PendingUpload, chosen: readonly File[]): Map<number, File> | undefined {
  const byIdx = new Map<number, File>();
  for (const f of chosen) {
    const idx = p.manifest.files.findIndex((d) => d.name === f.name && d.size === f.size);
    if (idx < 0) return undefined;
    byIdx.set(idx, f);
  }
  return byIdx;
}

function readAll(): PendingUpload[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as PendingUpload[]) : [];
  } catch {
    return [];
  }
}

function writeAll(list: PendingUpload[]): void {
  if (list.length === 0) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(list));
}
