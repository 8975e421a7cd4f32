import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isValidKey } from './blob-store.ts';

/**
 * The byte budget of a folder of downloaded blobs, least recently used first out. Blobs already in the folder when
 * the process starts are counted, oldest modification first. A path handed out earlier may be evicted later; a
 * reader that already opened it keeps reading (POSIX unlink), one that did not asks `localPath` again.
 */
export class DownloadCache {
  /** Key -> bytes, in order of use (Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<string, number>();
  private total = 0;
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  /** Counts what the folder already holds (once). */
  ready(): Promise<void> {
    this.loaded ??= this.scan();
    return this.loaded;
  }

  private async scan(): Promise<void> {
    const root = path.join(this.dir, 'sha256');
    const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    const found: { key: string; size: number; mtime: number }[] = [];
    for (const name of names) {
      const key = `sha256/${name.split(path.sep).join('/')}`;
      if (!isValidKey(key)) continue;
      const st = await stat(path.join(root, name)).catch(() => undefined);
      if (st?.isFile()) found.push({ key, size: st.size, mtime: st.mtimeMs });
    }
    for (const f of found.sort((a, b) => a.mtime - b.mtime)) this.note(f.key, f.size);
  }

  private note(key: string, size: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.total -= old;
    }
    this.entries.set(key, size);
    this.total += size;
  }

  /** Records a use of `key` (of `size` bytes) and evicts the least recently used others past the budget. */
  async use(key: string, size: number): Promise<void> {
    this.note(key, size);
    for (const [victim, bytes] of this.entries) {
      if (this.total <= this.maxBytes) break;
      if (victim === key) continue;
      this.entries.delete(victim);
      this.total -= bytes;
      await rm(path.join(this.dir, victim), { force: true });
    }
  }
}
