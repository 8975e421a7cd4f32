/**
 * Byte-level builder of small ISO-BMFF files for tests: `ftyp`, one `mdat` holding the samples back to back, and a
 * `moov` with `mvhd` and one `trak` (tkhd, mdia/mdhd, hdlr, minf/stbl with stsd, stts, stsc, stsz, stco).
 * Box layouts follow ISO/IEC 14496-12 (sections 4.2, 8.2.2, 8.3.2, 8.4.2, 8.4.3, 8.5.2, 8.6.1.2, 8.7.3-8.7.5).
 */

const MP4_EPOCH_OFFSET_S = 2_082_844_800;

/** Concatenate byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A box: 32-bit size, 4-char type, payload. */
export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(payload);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, 8 + body.length);
  for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
  return concat([head, body]);
}

/** Big-endian unsigned 32-bit integers. */
export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    dv.setUint32(4 * i, v);
  });
  return out;
}

/** Big-endian unsigned 16-bit integers. */
export function u16(...values: number[]): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    dv.setUint16(2 * i, v);
  });
  return out;
}

/** ASCII bytes. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Options of `buildMp4`: the track's sample entry, handler, timescale, samples and their durations. */
export interface Mp4Spec {
  sampleEntry: string;
  handlerType: string;
  handlerName: string;
  timescale: number;
  samples: Uint8Array[];
  /** One duration per sample, in timescale units. */
  durations: number[];
  /** mvhd creation time, Unix seconds. */
  creationUnixSeconds: number;
  /** Samples per chunk (default 2, so stsc/stco are exercised with more than one chunk). */
  samplesPerChunk?: number;
}

/** Build a complete MP4 file with one track. */
export function buildMp4(spec: Mp4Spec): Uint8Array {
  const ftyp = box('ftyp', ascii('isom'), u32(0x200), ascii('isomiso2mp41'));
  const mdatBody = concat(spec.samples);
  const mdatStart = ftyp.length;
  const mdat = box('mdat', mdatBody);
  const perChunk = spec.samplesPerChunk ?? 2;
  const chunkOffsets: number[] = [];
  let at = mdatStart + 8;
  spec.samples.forEach((s, i) => {
    if (i % perChunk === 0) chunkOffsets.push(at);
    at += s.length;
  });
  const created = spec.creationUnixSeconds + MP4_EPOCH_OFFSET_S;
  const total = spec.durations.reduce((a, b) => a + b, 0);
  const fullBox = (type: string, ...payload: Uint8Array[]) => box(type, u32(0), ...payload);
  const mvhd = fullBox(
    'mvhd',
    u32(created, created, spec.timescale, total, 0x00010000),
    u16(0x0100),
    new Uint8Array(70),
  );
  const tkhd = fullBox('tkhd', u32(created, created, 1, 0, total), new Uint8Array(60));
  const mdhd = fullBox('mdhd', u32(created, created, spec.timescale, total), u16(0x55c4, 0));
  const hdlr = fullBox('hdlr', u32(0), ascii(spec.handlerType), u32(0, 0, 0), ascii(`${spec.handlerName}\0`));
  // Sample entry: size, format, 6 reserved bytes, data_reference_index (14496-12 8.5.2.2).
  const entry = box(spec.sampleEntry, new Uint8Array(6), u16(1));
  const stsd = fullBox('stsd', u32(1), entry);
  const stts = fullBox('stts', u32(spec.durations.length), ...spec.durations.map((d) => u32(1, d)));
  const lastChunkSamples = spec.samples.length % perChunk;
  const stscEntries = [u32(1, perChunk, 1)];
  if (lastChunkSamples !== 0 && chunkOffsets.length > 1)
    stscEntries.push(u32(chunkOffsets.length, lastChunkSamples, 1));
  const stsc = fullBox('stsc', u32(stscEntries.length), ...stscEntries);
  const stsz = fullBox('stsz', u32(0, spec.samples.length), ...spec.samples.map((s) => u32(s.length)));
  const stco = fullBox('stco', u32(chunkOffsets.length), ...chunkOffsets.map((o) => u32(o)));
  const stbl = box('stbl', stsd, stts, stsc, stsz, stco);
  const minf = box('minf', fullBox('nmhd'), stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  return concat([ftyp, mdat, box('moov', mvhd, trak)]);
}

/** Little-endian CAMM packet: reserved u16, type u16, then the payload written by `fill`. */
export function cammPacket(type: number, size: number, fill: (dv: DataView) => void): Uint8Array {
  const out = new Uint8Array(4 + size);
  const dv = new DataView(out.buffer);
  dv.setUint16(2, type, true);
  fill(new DataView(out.buffer, 4));
  return out;
}

/** A video-only MP4 (one `avc1` track of `samples` 64-byte junk samples), for GPS kept outside any track. */
export function videoOnlyMp4(creationUnixSeconds = 0, samples = 1): Uint8Array {
  return buildMp4({
    sampleEntry: 'avc1',
    handlerType: 'vide',
    handlerName: 'VideoHandler',
    timescale: 30,
    samples: Array.from({ length: samples }, (_, i) => new Uint8Array(64).fill(i)),
    durations: Array.from({ length: samples }, () => 1),
    creationUnixSeconds,
  });
}
