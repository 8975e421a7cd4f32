/**
 * Minimal ISO-BMFF (MP4/QuickTime) reader: box headers (ISO/IEC 14496-12 section 4.2, 32-bit size, 64-bit
 * `largesize` when size is 1, to-end-of-container when size is 0), `moov/mvhd`, and per `trak` the `mdhd` timescale,
 * `hdlr`, `stsd` sample entry type and the sample table (`stts`, `stsc`, `stsz`/`stz2`, `stco`/`co64`, section 8.6-8.7).
 * Reads go through a ByteSource: only box headers and the sample tables are loaded, never `mdat`.
 */
import { invalid } from '../../core/index.ts';
import type { ByteSource } from './byte-source.ts';

/** One box header: its type, where it starts, where its payload starts and where it ends. */
export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
  path: string;
}

/** One media sample: file offset, byte size, decode time and duration in the track timescale. */
export interface Sample {
  offset: number;
  size: number;
  time: number;
  duration: number;
}

/** What we know about one track. */
export interface Mp4Track {
  id: number;
  path: string;
  handlerType: string;
  handlerName: string;
  sampleEntry: string;
  timescale: number;
  samples: Sample[];
}

/** The parsed movie: tracks and the creation time from `mvhd` (Unix ms, undefined when zero). */
export interface Mp4Movie {
  creationTime: number | undefined;
  tracks: Mp4Track[];
}

// Tables are bounded by their box size before any allocation; this caps a sample table at 50 million entries so a
// forged count cannot make us allocate gigabytes (a 10 h 60 fps video has 2.2 million video samples).
const MAX_ENTRIES = 50_000_000;
// Seconds between 1904-01-01 (the MP4 epoch, 14496-12 section 8.2.2) and 1970-01-01.
const MP4_EPOCH_OFFSET_S = 2_082_844_800;
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf']);

const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Read the box header at `offset`; `limit` is the end of the enclosing container. */
export async function readBox(src: ByteSource, offset: number, limit: number, parent: string): Promise<Box> {
  if (limit - offset < 8) {
    throw invalid(
      'mp4_truncated',
      `${src.name}: ${limit - offset} stray bytes at offset ${offset} in ${parent || '/'}`,
    );
  }
  const h = await src.read(offset, 8);
  const dv = view(h);
  let size = dv.getUint32(0);
  const type = fourcc(h, 4);
  const path = parent ? `${parent}/${type}` : type;
  let body = offset + 8;
  if (size === 1) {
    if (limit - offset < 16) throw invalid('mp4_truncated', `${src.name}: box ${path} at ${offset} cut in its header`);
    const big = view(await src.read(offset + 8, 8)).getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('mp4_bad_box', `${src.name}: box ${path} is too large`);
    size = Number(big);
    body = offset + 16;
  } else if (size === 0) {
    size = limit - offset; // "box extends to the end of the file" (only legal for the last box)
  }
  if (size < body - offset) {
    throw invalid(
      'mp4_bad_box',
      `${src.name}: box ${path} at offset ${offset} declares size ${size}, below its header`,
    );
  }
  if (offset + size > limit) {
    throw invalid(
      'mp4_truncated',
      `${src.name}: box ${path} at offset ${offset} declares ${size} bytes but its container ends at ${limit}`,
      { offset, size, limit, path },
    );
  }
  return { type, start: offset, body, end: offset + size, path };
}

/** List the child boxes of a container body. */
export async function children(src: ByteSource, start: number, end: number, parent: string): Promise<Box[]> {
  const out: Box[] = [];
  for (let at = start; at < end; ) {
    const box = await readBox(src, at, end, parent);
    out.push(box);
    at = box.end;
  }
  return out;
}

async function payload(src: ByteSource, box: Box, min: number): Promise<DataView> {
  const len = box.end - box.body;
  if (len < min) {
    throw invalid('mp4_bad_box', `${src.name}: ${box.path} at offset ${box.start} has ${len} bytes, needs ${min}`);
  }
  return view(await src.read(box.body, len));
}

/** Check that a full box's table of `count` entries of `width` bytes fits after `header` bytes. */
function tableFits(src: ByteSource, box: Box, dv: DataView, header: number, count: number, width: number): void {
  if (count > MAX_ENTRIES || header + count * width > dv.byteLength) {
    throw invalid(
      'mp4_bad_table',
      `${src.name}: ${box.path} at offset ${box.start} declares ${count} entries of ${width} bytes ` +
        `but holds ${dv.byteLength - header}`,
      { path: box.path, offset: box.start },
    );
  }
}

interface Tables {
  timescale: number;
  handlerType: string;
  handlerName: string;
  sampleEntry: string;
  sizes?: number[];
  chunkOffsets?: number[];
  stsc?: { firstChunk: number; perChunk: number }[];
  stts?: { count: number; delta: number }[];
}

async function readTables(src: ByteSource, box: Box, t: Tables): Promise<void> {
  for (const b of await children(src, box.body, box.end, box.path)) {
    if (CONTAINERS.has(b.type)) {
      await readTables(src, b, t);
      continue;
    }
    switch (b.type) {
      case 'mdhd': {
        const dv = await payload(src, b, 24);
        t.timescale = dv.getUint8(0) === 1 ? (dv.byteLength >= 24 ? dv.getUint32(20) : 0) : dv.getUint32(12);
        break;
      }
      case 'hdlr': {
        const dv = await payload(src, b, 24);
        const bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
        t.handlerType = fourcc(bytes, 8);
        // The name is a C string in ISO files and a Pascal string (length byte first) in QuickTime ones.
        let name = bytes.subarray(24);
        if (name.length > 0 && name[0] === name.length - 1) name = name.subarray(1);
        t.handlerName = Buffer.from(name).toString('latin1').replace(/\0.*$/s, '').trim();
        break;
      }
      case 'stsd': {
        const dv = await payload(src, b, 16);
        // stsd: version/flags, entry_count, then the first sample entry's box header (size, format).
        t.sampleEntry = fourcc(new Uint8Array(dv.buffer, dv.byteOffset + 12, 4), 0);
        break;
      }
      case 'stsz': {
        const dv = await payload(src, b, 12);
        const fixed = dv.getUint32(4);
        const count = dv.getUint32(8);
        if (fixed !== 0) {
          // One size for all samples: they must still fit in the file, which bounds the count.
          if (count > MAX_ENTRIES || count * fixed > src.size) {
            throw invalid(
              'mp4_bad_table',
              `${src.name}: ${b.path} at offset ${b.start}: ${count} samples of ${fixed} bytes exceed the file`,
            );
          }
          t.sizes = new Array<number>(count).fill(fixed);
        } else {
          tableFits(src, b, dv, 12, count, 4);
          t.sizes = Array.from({ length: count }, (_, i) => dv.getUint32(12 + 4 * i));
        }
        break;
      }
      case 'stz2': {
        const dv = await payload(src, b, 12);
        const field = dv.getUint8(7);
        const count = dv.getUint32(8);
        if (field !== 4 && field !== 8 && field !== 16) {
          throw invalid('mp4_bad_table', `${src.name}: ${b.path} at offset ${b.start} has field_size ${field}`);
        }
        tableFits(src, b, dv, 12, Math.ceil((count * field) / 8), 1);
        t.sizes = Array.from({ length: count }, (_, i) => {
          if (field === 16) return dv.getUint16(12 + 2 * i);
          if (field === 8) return dv.getUint8(12 + i);
          const byte = dv.getUint8(12 + (i >> 1));
          return i % 2 === 0 ? byte >> 4 : byte & 0x0f; // 14496-12 8.7.3.3: high nibble first
        });
        break;
      }
      case 'stco':
      case 'co64': {
        const dv = await payload(src, b, 8);
        const count = dv.getUint32(4);
        const wide = b.type === 'co64';
        tableFits(src, b, dv, 8, count, wide ? 8 : 4);
        t.chunkOffsets = Array.from({ length: count }, (_, i) =>
          wide ? Number(dv.getBigUint64(8 + 8 * i)) : dv.getUint32(8 + 4 * i),
        );
        break;
      }
      case 'stsc': {
        const dv = await payload(src, b, 8);
        const count = dv.getUint32(4);
        tableFits(src, b, dv, 8, count, 12);
        t.stsc = Array.from({ length: count }, (_, i) => ({
          firstChunk: dv.getUint32(8 + 12 * i),
          perChunk: dv.getUint32(12 + 12 * i),
        }));
        break;
      }
      case 'stts': {
        const dv = await payload(src, b, 8);
        const count = dv.getUint32(4);
        tableFits(src, b, dv, 8, count, 8);
        t.stts = Array.from({ length: count }, (_, i) => ({
          count: dv.getUint32(8 + 8 * i),
          delta: dv.getUint32(12 + 8 * i),
        }));
        break;
      }
    }
  }
}

/** Expand stsc/stco/stsz/stts into one entry per sample (14496-12 8.7.4: chunks are 1-based in stsc). */
function buildSamples(src: ByteSource, path: string, t: Tables): Sample[] {
  const sizes = t.sizes ?? [];
  const offsets = t.chunkOffsets ?? [];
  const stsc = t.stsc ?? [];
  const samples: Sample[] = [];
  const bad = (why: string) => invalid('mp4_bad_table', `${src.name}: ${path}/mdia/minf/stbl: ${why}`, { path });
  let s = 0;
  for (let e = 0; e < stsc.length && s < sizes.length; e++) {
    const entry = stsc[e]!;
    const nextFirst = stsc[e + 1]?.firstChunk ?? offsets.length + 1;
    if (entry.firstChunk < 1 || nextFirst < entry.firstChunk) throw bad(`stsc entry ${e} is out of order`);
    for (let chunk = entry.firstChunk; chunk < nextFirst && s < sizes.length; chunk++) {
      let at = offsets[chunk - 1];
      if (at === undefined) throw bad(`stsc refers to chunk ${chunk} but stco lists ${offsets.length}`);
      for (let k = 0; k < entry.perChunk && s < sizes.length; k++, s++) {
        const size = sizes[s]!;
        if (at + size > src.size) {
          throw invalid(
            'mp4_truncated',
            `${src.name}: sample ${s + 1} of ${path} lies at bytes ${at}..${at + size} past the end of the file (${src.size})`,
            { path, sample: s + 1 },
          );
        }
        samples.push({ offset: at, size, time: 0, duration: 0 });
        at += size;
      }
    }
  }
  if (samples.length < sizes.length) throw bad(`stsz lists ${sizes.length} samples, chunks hold ${samples.length}`);
  let time = 0;
  let i = 0;
  for (const { count, delta } of t.stts ?? []) {
    for (let k = 0; k < count && i < samples.length; k++, i++) {
      const sample = samples[i]!;
      sample.time = time;
      sample.duration = delta;
      time += delta;
    }
  }
  return samples;
}

/** Parse `moov` of an MP4 file: mvhd creation time and every track with its sample table. */
export async function readMovie(src: ByteSource): Promise<Mp4Movie> {
  const top = await children(src, 0, src.size, '');
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    const types = top.map((b) => b.type).join(', ');
    throw invalid('mp4_no_moov', `${src.name}: no moov box among the top-level boxes [${types}]`);
  }
  const movie: Mp4Movie = { creationTime: undefined, tracks: [] };
  let n = 0;
  for (const b of await children(src, moov.body, moov.end, 'moov')) {
    if (b.type === 'mvhd') {
      const dv = await payload(src, b, 12);
      const secs = dv.getUint8(0) === 1 ? Number(dv.getBigUint64(4)) : dv.getUint32(4);
      if (secs > MP4_EPOCH_OFFSET_S) movie.creationTime = (secs - MP4_EPOCH_OFFSET_S) * 1000;
    } else if (b.type === 'trak') {
      n++;
      const path = `moov/trak[${n}]`;
      const t: Tables = { timescale: 0, handlerType: '', handlerName: '', sampleEntry: '' };
      await readTables(src, { ...b, path }, t);
      movie.tracks.push({
        id: n,
        path,
        handlerType: t.handlerType,
        handlerName: t.handlerName,
        sampleEntry: t.sampleEntry,
        timescale: t.timescale,
        samples: buildSamples(src, path, t),
      });
    }
  }
  return movie;
}
