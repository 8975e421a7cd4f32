/**
 * The CLI's memory of transfers in flight, so that `mapmint upload` run again after the CLI was killed (a closed
 * laptop, a lost SSH session, kill -9) continues each file from the server's offset. One JSON file in the state
 * folder maps a file's fingerprint (absolute path, size, mtime, server, contributor) to its upload and tus URL, and
 * to its SHA-256 so the run after a kill does not hash every file again; a file that changed on disk has another
 * fingerprint and starts afresh. Written atomically (storage/atomic-file.ts):
 * a kill during a write leaves the old state or the new one, never a torn file.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { stateDir } from '../db/index.ts';
import type { TransferMemory } from '../sdk/node.ts';
import { writeFileAtomic } from '../storage/index.ts';

/** One file's transfer in flight. */
interface Entry {
  file: string;
  uploadId: string;
  idx: number;
  url: string;
  savedAt: string;
}

/** A file's hash, kept while its upload is in flight. */
interface HashEntry {
  size: number;
  sha256: string;
  savedAt: string;
}

interface StateFile {
  version: 1;
  transfers: Record<string, Entry>;
  hashes: Record<string, HashEntry>;
}

/** Entries older than this are dropped: the server has long expired their transfers. */
const MAX_AGE_MS = 30 * 86_400_000;

/** Where the state lives: `<MAPMINT_HOME or .mapmint>/upload-state.json`. */
export function uploadStatePath(): string {
  return path.join(stateDir(), 'upload-state.json');
}

/** A file's fingerprint: the same bytes at the same place, for the same server and contributor. */
async function fingerprint(file: string, scope: string): Promise<string> {
  const abs = path.resolve(file);
  const s = await stat(abs);
  return createHash('sha256')
    .update(JSON.stringify([abs, s.size, s.mtimeMs, scope]))
    .digest('hex');
}

async function load(p: string): Promise<StateFile> {
  const text = await readFile(p, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const empty = (): StateFile => ({ version: 1, transfers: {}, hashes: {} });
  if (text === undefined) return empty();
  try {
    const parsed = JSON.parse(text) as Partial<StateFile>;
    if (parsed.version === 1 && parsed.transfers && typeof parsed.transfers === 'object') {
      return { version: 1, transfers: parsed.transfers, hashes: parsed.hashes ?? {} };
    }
  } catch {
    // A state file damaged by hand is no reason to refuse an upload: the files start from byte 0 instead.
  }
  return empty();
}

/**
 * The transfer memory of `server` for `contributor` (an address), kept in `file` (default uploadStatePath()).
 * Updates are serialised within the process; each one re-reads the file, so two CLIs uploading different folders
 * at once keep each other's entries (the last of two simultaneous writes wins, which costs a resend, not data).
 */
export function fileTransferMemory(
  server: string,
  contributor: string,
  file = uploadStatePath(),
): Required<TransferMemory> {
  const scope = `${server.replace(/\/+$/, '')}|${contributor.toLowerCase()}`;
  let queue: Promise<unknown> = Promise.resolve();
  const update = (change: (s: StateFile) => void): Promise<void> => {
    const next = queue.then(async () => {
      const s = await load(file);
      change(s);
      const cutoff = Date.now() - MAX_AGE_MS;
      for (const [k, e] of Object.entries(s.transfers)) if (Date.parse(e.savedAt) < cutoff) delete s.transfers[k];
      for (const [k, e] of Object.entries(s.hashes)) if (Date.parse(e.savedAt) < cutoff) delete s.hashes[k];
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(s, null, 1)}\n`);
    });
    queue = next.catch(() => {});
    return next;
  };
  return {
    async recall(local, uploadId, idx) {
      const e = (await load(file)).transfers[await fingerprint(local, scope)];
      // An entry for another upload (the files were declared again with other settings) is not this transfer.
      return e && e.uploadId === uploadId && e.idx === idx ? e.url : undefined;
    },
    async remember(local, uploadId, idx, url) {
      const key = await fingerprint(local, scope);
      const entry = { file: path.resolve(local), uploadId, idx, url, savedAt: new Date().toISOString() };
      await update((s) => {
        s.transfers[key] = entry;
      });
    },
    async forget(local) {
      const key = await fingerprint(local, scope);
      const s = await load(file);
      if (!s.transfers[key] && !s.hashes[key]) return;
      await update((st) => {
        delete st.transfers[key];
        delete st.hashes[key];
      });
    },
    async knownHash(local) {
      const h = (await load(file)).hashes[await fingerprint(local, scope)];
      return h ? { size: h.size, sha256: h.sha256 } : undefined;
    },
    async rememberHashes(list) {
      const savedAt = new Date().toISOString();
      const entries = await Promise.all(
        list.map(async (h) => [await fingerprint(h.file, scope), { size: h.size, sha256: h.sha256, savedAt }] as const),
      );
      await update((s) => {
        for (const [k, e] of entries) s.hashes[k] = e;
      });
    },
  };
}
