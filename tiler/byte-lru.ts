/**
 * A least-recently-used cache bounded by the bytes its values hold, for a server's hot tiles and archive ranges.
 * A JavaScript Map keeps insertion order, so re-inserting on a hit makes the first key the least recently used.
 */

/** An LRU map whose total `size(value)` stays at or below `maxBytes`; a value larger than that is never kept. */
export class ByteLru<K, V> {
  private readonly map = new Map<K, V>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    private readonly size: (v: V) => number,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** The value under `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Store `value` under `key`, evicting the least recently used values until it fits. */
  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.total -= this.size(old);
    }
    const n = this.size(value);
    if (n > this.maxBytes) return;
    this.map.set(key, value);
    this.total += n;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= this.size(v);
    }
  }

  /** Account for a value that grew by `delta` bytes after it was stored (e.g. a lazily added representation). */
  grew(key: K, delta: number): void {
    if (!this.map.has(key)) return;
    const v = this.map.get(key)!;
    this.total += delta;
    if (this.total > this.maxBytes) {
      // Re-insert so the usual eviction runs (and drops the value itself if it no longer fits at all).
      this.total -= this.size(v);
      this.map.delete(key);
      this.set(key, v);
    }
  }
}
