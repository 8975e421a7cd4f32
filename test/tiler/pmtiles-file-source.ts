/**
 * Test support: the official `pmtiles` reader's `Source` interface over a local file descriptor, so archives we
 * write are read back by an implementation that is not ours. Reads are synchronous `pread`s: tens of thousands of
 * small reads would otherwise spend most of their time queued on libuv's thread pool.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { PMTiles, type RangeResponse, type Source } from 'pmtiles';

/** A pmtiles `Source` reading byte ranges of a local file (short reads at the end of the file, like HTTP). */
export class NodeFileSource implements Source {
  private constructor(
    private readonly fd: number,
    private readonly key: string,
  ) {}

  /** Open `file` for reading. */
  static async open(file: string): Promise<NodeFileSource> {
    return new NodeFileSource(openSync(file, 'r'), file);
  }

  /** The cache key: the file path. */
  getKey(): string {
    return this.key;
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const data = new ArrayBuffer(length);
    const view = new Uint8Array(data);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, view, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return { data: done === length ? data : data.slice(0, done) };
  }

  /** Close the file. */
  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

/** Open `file` with the official reader; call `close` when done. */
export async function openReference(file: string): Promise<{ archive: PMTiles; close: () => Promise<void> }> {
  const source = await NodeFileSource.open(file);
  return { archive: new PMTiles(source), close: () => source.close() };
}
