/**
 * Hostile ISO-BMFF files for the limit tests: one telemetry track whose sample table is forged (every chunk pointing
 * at the same bytes, a fixed-size stsz declaring millions of samples, a table box declaring more entries than it
 * holds). Built with the byte helpers of mp4-builder.ts; layouts as in ISO/IEC 14496-12 section 8.7.
 */
import { readFileSync } from 'node:fs';
import { type ByteSource, bufferSource } from '../../ingest/telemetry/index.ts';
import type { Mp4Track, Sample } from '../../ingest/telemetry/mp4.ts';
import { ascii, box, concat, u16, u32 } from './mp4-builder.ts';
import { sharedFile } from './shared-data.ts';

/** The first GPMF DEVC payload of a real GoPro file: key, type 0, struct size, repeat, then size*repeat bytes. */
export function realGpmfPayload(): Uint8Array {
  const bytes = readFileSync(sharedFile('video', 'gopro_max_heromode.mp4'));
  const at = bytes.indexOf(Buffer.from('DEVC'));
  return new Uint8Array(bytes.subarray(at, at + 8 + bytes[at + 5]! * bytes.readUInt16BE(at + 6)));
}

/** Every sample of a track's (lazy) table, in order. */
export async function allSamples(track: Mp4Track): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of track.samples) out.push(s);
  return out;
}

/** What to forge. */
export interface HostileSpec {
  /** Bytes of one sample, stored once in mdat. */
  payload: Uint8Array;
  /** Samples the table lists; every chunk (one sample each) points at the same payload. */
  samples: number;
  /** Sample entry of the track (`gpmd` or `camm`). */
  sampleEntry?: string;
  /** Zero bytes appended to mdat, to make the file big enough for a fixed-size stsz of `samples` entries. */
  padding?: number;
  /** Write stsz with one fixed size for all samples (no per-sample table). */
  fixedSize?: boolean;
  /** stts entry count to declare (default 1, covering every sample). */
  sttsEntries?: number;
  /** All samples in one chunk, back to back from the payload on (so they do not overlap): a valid table of `samples`
   *  entries rather than a forged one. Needs `fixedSize` and enough `padding`. */
  oneChunk?: boolean;
  /** Handler type of the track (default `meta`). */
  handlerType?: string;
}

/** Builds the file: ftyp, mdat (payload + padding), moov with one forged trak. */
export function hostileMp4(spec: HostileSpec): Uint8Array {
  const ftyp = box('ftyp', ascii('isom'), u32(0x200), ascii('isom'));
  const mdat = concat([u32(8 + spec.payload.length + (spec.padding ?? 0)), ascii('mdat'), spec.payload]);
  const at = ftyp.length + 8;
  const full = (type: string, ...payload: Uint8Array[]) => box(type, u32(0), ...payload);
  const n = spec.samples;
  const name = (spec.sampleEntry ?? 'gpmd') === 'gpmd' ? 'GoPro MET' : 'DataHandler';
  const mdhd = full('mdhd', u32(0, 0, 1000, n), u16(0x55c4, 0));
  const hdlr = full('hdlr', u32(0), ascii(spec.handlerType ?? 'meta'), u32(0, 0, 0), ascii(`${name}\0`));
  const stsd = full('stsd', u32(1), box(spec.sampleEntry ?? 'gpmd', new Uint8Array(6), u16(1)));
  const stts = full('stts', u32(spec.sttsEntries ?? 1), u32(n, 1000));
  const stsc = full('stsc', u32(1), u32(1, spec.oneChunk ? n : 1, 1));
  const stsz = spec.fixedSize
    ? full('stsz', u32(spec.payload.length, n))
    : full('stsz', u32(0, n), repeated(u32(spec.payload.length), n));
  const stco = spec.oneChunk ? full('stco', u32(1), u32(at)) : full('stco', u32(n), repeated(u32(at), n));
  const stbl = box('stbl', stsd, stts, stsc, stsz, stco);
  const trak = box('trak', box('mdia', mdhd, hdlr, box('minf', full('nmhd'), stbl)));
  const moov = box('moov', full('mvhd', u32(0, 0, 1000, n, 0x00010000), u16(0x0100), new Uint8Array(70)), trak);
  if (!spec.padding) return concat([ftyp, mdat, moov]);
  // The padding is written as zeros after the payload without building it twice.
  const out = new Uint8Array(ftyp.length + 8 + spec.payload.length + spec.padding + moov.length);
  out.set(ftyp, 0);
  out.set(mdat, ftyp.length);
  out.set(moov, ftyp.length + 8 + spec.payload.length + spec.padding);
  return out;
}

/** `count` copies of `unit` back to back. */
function repeated(unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count);
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length);
  return out;
}

/** Bytes as a ByteSource that counts the bytes read through it, for tests of how much a reader reads. */
export function countingSource(bytes: Uint8Array, name: string): ByteSource & { bytesRead: number } {
  const inner = bufferSource(bytes, name);
  const src = {
    name,
    size: inner.size,
    bytesRead: 0,
    read: (offset: number, length: number) => {
      src.bytesRead += length;
      return inner.read(offset, length);
    },
    close: inner.close,
  };
  return src;
}
