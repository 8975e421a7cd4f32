/**
 * Minimal ISO-BMFF (MP4/QuickTime) reader: box headers (ISO/IEC 14496-12 section 4.2, 32-bit size, 64-bit
 * `largesize` when size is 1, to-end-of-container when size is 0), `moov/mvhd`, and per `trak` the `mdhd` timescale,
 * `hdlr`, `stsd` sample entry type and the sample table (`stts`, `stsc`, `stsz`/`stz2`, `stco`/`co64`, section 8.6-8.7).
 * Reads go through a ByteSource: box headers are read, sample tables are streamed in chunks when iterated, never
 * expanded in memory, and `mdat` is never loaded.
 */
import { invalid } from '../../core/index.ts';
import type { ByteSource } from './byte-source.ts';
import { SampleTable, type TableRef, type Tables } from './sample-table.ts';

export type { Sample, SampleTable } from './sample-table.ts';

/** One box header: its type, where it starts, where its payload starts and where it ends. */
export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
  path: string;
}

/** What we know about one track. */
export interface Mp4Track {
  id: number;
  path: string;
  handlerType: string;
  handlerName: string;
  sampleEntry: string;
  timescale: number;
  /** The sample table, read lazily from the file: nothing per sample is held in memory. */
  samples: SampleTable;
}

/** The parsed movie: tracks and the creation time from `mvhd` (Unix ms, undefined when zero). */
export interface Mp4Movie {
  creationTime: number | undefined;
  tracks: Mp4Track[];
  /** The top-level boxes and the children of `moov`, kept so that readers of boxes outside tracks (dashcam GPS) do
   *  not list them again. */
  top: Box[];
  moov: Box[];
}

/**
 * Sample tables are never expanded into memory: readMovie checks each table's declared entry count against its box's
 * byte size and against this cap, and the samples are streamed from the file in chunks when iterated. 4 million is
 * ~18 h of 60 fps video (a 10 h drive has 2.2 million video samples); telemetry tracks have far fewer.
 */
export const MAX_SAMPLES = 4_000_000;
// Containers nest six deep in real files (moov/trak/mdia/minf/stbl, plus edts/dinf); 16 bounds forged recursion.
const MAX_DEPTH = 16;
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

/**
 * Most boxes one container may list. Real files have a handful per container (a dashcam that splits `mdat` into a box
 * a second has some 7,000 top-level boxes in a 2-hour file); a forged file of 8-byte boxes would otherwise cost an
 * object per 8 bytes.
 */
export const MAX_CHILDREN = 200_000;

/** List the child boxes of a container body. */
export async function children(src: ByteSource, start: number, end: number, parent: string): Promise<Box[]> {
  const out: Box[] = [];
  for (let at = start; at < end; ) {
    const box = await readBox(src, at, end, parent);
    if (out.length >= MAX_CHILDREN) {
      throw invalid(
        'mp4_too_many_boxes',
        `${src.name}: ${parent || 'the file'} holds more than ${MAX_CHILDREN} boxes`,
        {
          path: parent,
          offset: at,
        },
      );
    }
    out.push(box);
    at = box.end;
  }
  return out;
}

/** A small box's payload: at least `min` bytes, at most `max` (headers only, never a table of any size). */
async function payload(src: ByteSource, box: Box, min: number, max = 4096): Promise<DataView> {
  const len = box.end - box.body;
  if (len < min) {
    throw invalid('mp4_bad_box', `${src.name}: ${box.path} at offset ${box.start} has ${len} bytes, needs ${min}`);
  }
  return view(await src.read(box.body, Math.min(len, max)));
}

/** Reads a full box's entry count and checks that the entries fit in the box. */
async function tableRef(src: ByteSource, box: Box, header: number, bits: number, countAt: number): Promise<TableRef> {
  const dv = await payload(src, box, header, header);
  const count = dv.getUint32(countAt);
  const holds = box.end - box.body - header;
  if (Math.ceil((count * bits) / 8) > holds) {
    throw invalid(
      'mp4_bad_table',
      `${src.name}: ${box.path} at offset ${box.start} declares ${count} entries of ${bits / 8} bytes but holds ${holds}`,
      { path: box.path, offset: box.start },
    );
  }
  return { box, at: box.body + header, count, bits };
}

/** Reads the small boxes of a track and locates its sample tables (their entries stay in the file). */
async function readTables(src: ByteSource, box: Box, t: Tables, depth = 0): Promise<void> {
  if (depth > MAX_DEPTH) {
    throw invalid(
      'mp4_bad_box',
      `${src.name}: ${box.path} at offset ${box.start} nests deeper than ${MAX_DEPTH} boxes`,
    );
  }
  for (const b of await children(src, box.body, box.end, box.path)) {
    if (CONTAINERS.has(b.type)) await readTables(src, b, t, depth + 1);
    else await readTable(src, b, t);
  }
}

/** One non-container box of a track: header fields, or where a sample table lies. */
async function readTable(src: ByteSource, b: Box, t: Tables): Promise<void> {
  switch (b.type) {
    case 'mdhd': {
      const dv = await payload(src, b, 24);
      t.timescale = dv.getUint8(0) === 1 ? (dv.byteLength >= 24 ? dv.getUint32(20) : 0) : dv.getUint32(12);
      return;
    }
    case 'hdlr': {
      const dv = await payload(src, b, 24);
      const bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
      t.handlerType = fourcc(bytes, 8);
      // The name is a C string in ISO files and a Pascal string (length byte first) in QuickTime ones.
      let name = bytes.subarray(24);
      if (name.length > 0 && name[0] === name.length - 1) name = name.subarray(1);
      t.handlerName = Buffer.from(name).toString('latin1').replace(/\0.*$/s, '').trim();
      return;
    }
    case 'stsd': {
      const dv = await payload(src, b, 16, 16);
      // stsd: version/flags, entry_count, then the first sample entry's box header (size, format).
      t.sampleEntry = fourcc(new Uint8Array(dv.buffer, dv.byteOffset + 12, 4), 0);
      return;
    }
    case 'stsz': {
      const dv = await payload(src, b, 12, 12);
      const fixed = dv.getUint32(4);
      const count = dv.getUint32(8);
      if (fixed === 0) t.sizes = await tableRef(src, b, 12, 32, 8);
      else if (count * fixed > src.size) {
        // One size for all samples: they must still fit in the file, which bounds the count.
        throw invalid(
          'mp4_bad_table',
          `${src.name}: ${b.path} at offset ${b.start}: ${count} samples of ${fixed} bytes exceed the file`,
        );
      } else t.fixedSize = { size: fixed, count };
      return;
    }
    case 'stz2': {
      const field = (await payload(src, b, 12, 12)).getUint8(7);
      if (field !== 4 && field !== 8 && field !== 16) {
        throw invalid('mp4_bad_table', `${src.name}: ${b.path} at offset ${b.start} has field_size ${field}`);
      }
      t.sizes = await tableRef(src, b, 12, field, 8);
      return;
    }
    case 'stco':
    case 'co64':
      t.chunkOffsets = await tableRef(src, b, 8, b.type === 'co64' ? 64 : 32, 4);
      return;
    case 'stsc':
      t.stsc = await tableRef(src, b, 8, 96, 4);
      return;
    case 'stts':
      t.stts = await tableRef(src, b, 8, 64, 4);
      return;
  }
}

/** A track's tables within the sample cap, or `mp4_table_too_large`. */
function checkCap(src: ByteSource, path: string, t: Tables): void {
  const counts: Array<[string, number]> = [
    ['stsz', t.fixedSize?.count ?? t.sizes?.count ?? 0],
    ['stco', t.chunkOffsets?.count ?? 0],
    ['stsc', t.stsc?.count ?? 0],
    ['stts', t.stts?.count ?? 0],
  ];
  for (const [table, count] of counts) {
    if (count <= MAX_SAMPLES) continue;
    throw invalid(
      'mp4_table_too_large',
      `${src.name}: ${path} ${table} lists ${count} entries, above the ${MAX_SAMPLES} any video may have`,
      { path, table, count, max: MAX_SAMPLES },
    );
  }
}

/** Parse `moov` of an MP4 file: mvhd creation time and every track with its sample table. */
export async function readMovie(src: ByteSource): Promise<Mp4Movie> {
  const top = await children(src, 0, src.size, '');
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    const types = top.map((b) => b.type).join(', ');
    throw invalid('mp4_no_moov', `${src.name}: no moov box among the top-level boxes [${types}]`);
  }
  const movie: Mp4Movie = {
    creationTime: undefined,
    tracks: [],
    top,
    moov: await children(src, moov.body, moov.end, 'moov'),
  };
  let n = 0;
  for (const b of movie.moov) {
    if (b.type === 'mvhd') {
      const dv = await payload(src, b, 12);
      const secs = dv.getUint8(0) === 1 ? Number(dv.getBigUint64(4)) : dv.getUint32(4);
      if (secs > MP4_EPOCH_OFFSET_S) movie.creationTime = (secs - MP4_EPOCH_OFFSET_S) * 1000;
    } else if (b.type === 'trak') {
      n++;
      const path = `moov/trak[${n}]`;
      const t: Tables = { timescale: 0, handlerType: '', handlerName: '', sampleEntry: '' };
      await readTables(src, { ...b, path }, t);
      checkCap(src, path, t);
      movie.tracks.push({
        id: n,
        path,
        handlerType: t.handlerType,
        handlerName: t.handlerName,
        sampleEntry: t.sampleEntry,
        timescale: t.timescale,
        samples: new SampleTable(src, path, t),
      });
    }
  }
  return movie;
}
