/**
 * The distinct tile contents of an archive being written, and where each one's stored bytes wait: parked in the
 * writer's scratch file, or in a source (another archive's tile data, taken over by reference). Contents are
 * numbered in the order they are first added; the writer maps tiles to these numbers.
 */
import { createHash } from 'node:crypto';
import type { ScratchFile } from './scratch-file.ts';

/** Stored tile bytes to copy from, such as another archive's tile data section (`ArchiveReader.readData`). */
export interface StoredSource {
  read(offset: number, length: number): Promise<Uint8Array>;
}

// Contents stored next to each other (in the scratch file or a source) are read in one go, up to this many bytes.
const READ_CHUNK = 4 << 20;

/** Distinct contents, found again by their data hash (parked ones) or their place in a source. */
export class TileContents {
  readonly offset: number[] = [];
  readonly length: number[] = [];
  /** Undefined for the scratch file, else the source the bytes are in. */
  private readonly source: (StoredSource | undefined)[] = [];
  private readonly byHash = new Map<string, number>();
  private readonly bySourceOffset = new Map<StoredSource, Map<number, number>>();

  constructor(private readonly scratch: ScratchFile) {}

  /** The content whose uncompressed data hashes to `hash`; when new, `stored()` is parked in the scratch file. */
  park(hash: string, stored: () => Uint8Array): number {
    let c = this.byHash.get(hash);
    if (c === undefined) {
      const blob = stored();
      c = this.push(this.scratch.append(blob), blob.length, undefined);
      this.byHash.set(hash, c);
    }
    return c;
  }

  /** The content at [offset, offset + length) of `source`. */
  refer(source: StoredSource, offset: number, length: number): number {
    let offsets = this.bySourceOffset.get(source);
    if (offsets === undefined) {
      offsets = new Map();
      this.bySourceOffset.set(source, offsets);
    }
    let c = offsets.get(offset);
    if (c === undefined) {
      c = this.push(offset, length, source);
      offsets.set(offset, c);
    }
    return c;
  }

  /**
   * Parked contents whose stored bytes equal a source content's, each mapped to that content: stored once, as if
   * both had been added with their data. Only contents of equal stored length are compared; each is read once.
   */
  async parkedDuplicates(): Promise<Map<number, number>> {
    const alias = new Map<number, number>();
    if (this.bySourceOffset.size === 0) return alias;
    const byLength = new Map<number, { parked: number[]; sourced: number[] }>();
    this.source.forEach((src, c) => {
      if (src !== undefined) return;
      const n = this.length[c]!;
      const g = byLength.get(n) ?? { parked: [], sourced: [] };
      g.parked.push(c);
      byLength.set(n, g);
    });
    this.source.forEach((src, c) => {
      if (src !== undefined) byLength.get(this.length[c]!)?.sourced.push(c);
    });
    const digest = async (c: number) =>
      createHash('sha256')
        .update(await this.read(0, 1, [c]))
        .digest('base64');
    for (const { parked, sourced } of byLength.values()) {
      if (sourced.length === 0) continue;
      const wanted = new Map<string, number>();
      for (const c of parked) wanted.set(await digest(c), c);
      for (const c of sourced) {
        const hit = wanted.get(await digest(c));
        if (hit !== undefined) alias.set(hit, c);
      }
    }
    return alias;
  }

  /**
   * Hand the bytes of the contents `order` to `emit`, in that order. Contents that lie back to back in one place
   * (the usual case: the scratch file and a source archive both hold them in about tile order) are read at once.
   */
  async copyOut(order: readonly number[], emit: (bytes: Uint8Array) => Promise<void>): Promise<void> {
    let from = 0;
    for (let k = 1; k <= order.length; k++) {
      const prev = order[k - 1]!;
      const c = order[k];
      const adjacent =
        c !== undefined &&
        this.source[prev] === this.source[c] &&
        this.offset[prev]! + this.length[prev]! === this.offset[c] &&
        this.offset[c]! + this.length[c]! - this.offset[order[from]!]! <= READ_CHUNK;
      if (!adjacent) {
        await emit(await this.read(from, k, order));
        from = k;
      }
    }
  }

  /** The bytes of contents order[from..to), which lie back to back in one place. */
  private read(from: number, to: number, order: readonly number[]): Promise<Uint8Array> {
    const first = order[from]!;
    const last = order[to - 1]!;
    const start = this.offset[first]!;
    const length = this.offset[last]! + this.length[last]! - start;
    const src = this.source[first];
    return src === undefined ? this.scratch.read(start, length) : src.read(start, length);
  }

  private push(offset: number, length: number, source: StoredSource | undefined): number {
    this.offset.push(offset);
    this.length.push(length);
    this.source.push(source);
    return this.length.length - 1;
  }
}
