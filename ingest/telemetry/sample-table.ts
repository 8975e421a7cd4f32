/**
 * A track's sample table streamed from the file (ISO/IEC 14496-12 sections 8.6.1.2, 8.7.3-8.7.5): the entries of
 * stsc/stco/co64/stsz/stz2/stts are read in chunks as the samples are iterated, never expanded in memory, so a table
 * of any declared size costs a constant amount of memory.
 */
import { invalid } from '../../core/index.ts';
import type { ByteSource } from './byte-source.ts';
import type { Box } from './mp4.ts';

/** One media sample: file offset, byte size, decode time and duration in the track timescale. */
export interface Sample {
  offset: number;
  size: number;
  time: number;
  duration: number;
}

// Table entries are read in chunks of this many bytes.
const CHUNK_BYTES = 64 << 10;

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Where one sample table's entries lie in the file: `count` entries of `bits` bits from byte `at`. */
export interface TableRef {
  box: Box;
  at: number;
  count: number;
  bits: number;
}

/** Reader of one table's entries in increasing order, a chunk of the file at a time. */
class TableCursor {
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private first = 0;

  constructor(
    private readonly src: ByteSource,
    private readonly t: TableRef,
  ) {}

  /** The raw unsigned value of entry `i` (entries of `bits` bits; stsc rows are read as 32-bit fields). */
  async get(i: number): Promise<number> {
    const bits = this.t.bits;
    const byte = Math.floor((i * bits) / 8);
    const width = Math.max(1, bits >> 3);
    if (byte < this.first || byte + width > this.first + this.dv.byteLength) {
      const len = Math.min(Math.ceil((this.t.count * bits) / 8) - byte, CHUNK_BYTES);
      this.dv = view(await this.src.read(this.t.at + byte, len));
      this.first = byte;
    }
    const o = byte - this.first;
    switch (bits) {
      case 64:
        return Number(this.dv.getBigUint64(o));
      case 32:
        return this.dv.getUint32(o);
      case 16:
        return this.dv.getUint16(o);
      case 8:
        return this.dv.getUint8(o);
      default: {
        const b = this.dv.getUint8(o);
        return i % 2 === 0 ? b >> 4 : b & 0x0f; // 4-bit stz2 (14496-12 8.7.3.3): high nibble first
      }
    }
  }
}

export interface Tables {
  timescale: number;
  handlerType: string;
  handlerName: string;
  sampleEntry: string;
  /** stsz with one size for every sample. */
  fixedSize?: { size: number; count: number };
  sizes?: TableRef;
  chunkOffsets?: TableRef;
  stsc?: TableRef;
  stts?: TableRef;
}

/** Decode times from stts, one sample after another; samples past the table get time 0, duration 0. */
class SampleTimes {
  private readonly cursor: TableCursor | undefined;
  private entry = 0;
  private left = 0;
  private delta = 0;
  private time = 0;

  constructor(
    src: ByteSource,
    private readonly stts: TableRef | undefined,
  ) {
    this.cursor = stts ? new TableCursor(src, { ...stts, count: 2 * stts.count, bits: 32 }) : undefined;
  }

  async next(): Promise<{ time: number; duration: number }> {
    while (this.left === 0) {
      if (!this.cursor || this.entry >= (this.stts?.count ?? 0)) return { time: 0, duration: 0 };
      this.left = await this.cursor.get(2 * this.entry);
      this.delta = await this.cursor.get(2 * this.entry + 1);
      this.entry++;
    }
    this.left--;
    const out = { time: this.time, duration: this.delta };
    this.time += this.delta;
    return out;
  }
}

/** The samples of one track, streamed from its tables (14496-12 8.7.4: chunks are 1-based in stsc). */
export class SampleTable {
  /** Samples the table lists (stsz). */
  readonly count: number;

  constructor(
    private readonly src: ByteSource,
    private readonly path: string,
    private readonly t: Tables,
  ) {
    this.count = t.fixedSize?.count ?? t.sizes?.count ?? 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Sample> {
    const { src, path, t } = this;
    const bad = (why: string) => invalid('mp4_bad_table', `${src.name}: ${path}/mdia/minf/stbl: ${why}`, { path });
    const chunks = t.chunkOffsets ? new TableCursor(src, t.chunkOffsets) : undefined;
    const chunkCount = t.chunkOffsets?.count ?? 0;
    const stscCount = t.stsc?.count ?? 0;
    const stsc = t.stsc ? new TableCursor(src, { ...t.stsc, count: 3 * stscCount, bits: 32 }) : undefined;
    const sizes = t.sizes ? new TableCursor(src, t.sizes) : undefined;
    const times = new SampleTimes(src, t.stts);
    let s = 0;
    for (let e = 0; e < stscCount && s < this.count; e++) {
      const firstChunk = (await stsc?.get(3 * e)) ?? 0;
      const perChunk = (await stsc?.get(3 * e + 1)) ?? 0;
      const nextFirst = e + 1 < stscCount ? ((await stsc?.get(3 * e + 3)) ?? 0) : chunkCount + 1;
      if (firstChunk < 1 || nextFirst < firstChunk) throw bad(`stsc entry ${e} is out of order`);
      for (let chunk = firstChunk; chunk < nextFirst && s < this.count; chunk++) {
        if (chunk > chunkCount) throw bad(`stsc refers to chunk ${chunk} but stco lists ${chunkCount}`);
        let at = (await chunks?.get(chunk - 1)) ?? 0;
        for (let k = 0; k < perChunk && s < this.count; k++, s++) {
          const size = t.fixedSize ? t.fixedSize.size : ((await sizes?.get(s)) ?? 0);
          if (at + size > src.size) {
            throw invalid(
              'mp4_truncated',
              `${src.name}: sample ${s + 1} of ${path} lies at bytes ${at}..${at + size} past the end of the file (${src.size})`,
              { path, sample: s + 1 },
            );
          }
          const { time, duration } = await times.next();
          yield { offset: at, size, time, duration };
          at += size;
        }
      }
    }
    if (s < this.count) throw bad(`stsz lists ${this.count} samples, chunks hold ${s}`);
  }
}
