/**
 * Every telemetry reader on hostile sizes under a 128 MiB heap (issue 17.2): each file is read by readTrack in a child
 * process started with `--max-old-space-size=128`, and must end with a typed error (its code checked) or a bounded
 * track, never a crash or an out-of-memory abort. Inputs: forged MP4 sample tables (tens of millions of declared
 * entries, a fixed-size stsz as large as the file allows, 200,000 chunks pointing at one GPMF payload, boxes
 * declaring sizes past the file, containers nested thousands deep), 300,000-point GPX/NMEA/CSV/JSON tracks, read
 * whole and over a lowered point cap, and valid tracks of 3.9 million tiny gpmd/camm/rtmd/tx3g samples (issue 18).
 * Dashcam GPS outside tracks is checked for how much it reads, through a counting ByteSource.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { readMp4TelemetrySource, SCAN_FIRST_BLOCK_WITHIN } from '../../ingest/telemetry/index.ts';
import { countingSource, hostileMp4, realGpmfPayload } from '../support/hostile-mp4.ts';
import { writeLongTrack } from '../support/long-track.ts';
import { ascii, box, concat, u32 } from '../support/mp4-builder.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mapmint-memory-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = path.join(import.meta.dirname, '../support/read-hostile.ts');

/** Reads `file` in a child with a 128 MiB heap; returns its one-line verdict, failing on any other ending. */
function readInChild(file: string, env: Record<string, string> = {}): { points?: number; code?: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', CHILD, file], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 20,
  });
  assert.equal(r.status, 0, `child ended with ${r.status ?? r.signal}: ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { points?: number; code?: string };
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('MP4 sample tables under a 128 MiB heap', () => {
  it('a fixed-size stsz declaring 40 million 1-byte samples (the file is that big)', () => {
    const file = write(
      'fixed.mp4',
      hostileMp4({ payload: new Uint8Array(1), samples: 40_000_000, fixedSize: true, padding: 40_000_000 }),
    );
    const r = readInChild(file);
    assert.ok(r.code === 'mp4_table_too_large' || r.code === 'mp4_bad_table', JSON.stringify(r));
  });

  it('stsz and stco with 6 million real entries each (48 MB of tables)', () => {
    const file = write('big-tables.mp4', hostileMp4({ payload: new Uint8Array(4), samples: 6_000_000 }));
    const r = readInChild(file);
    assert.equal(r.code, 'mp4_table_too_large', JSON.stringify(r));
  });

  it('stts declaring 50 million entries in a 16-byte box', () => {
    const file = write('stts.mp4', hostileMp4({ payload: realGpmfPayload(), samples: 1, sttsEntries: 50_000_000 }));
    assert.equal(readInChild(file).code, 'mp4_bad_table');
  });

  it('200,000 chunks pointing at one GPMF payload', () => {
    const file = write('repeat.mp4', hostileMp4({ payload: realGpmfPayload(), samples: 200_000 }));
    assert.equal(readInChild(file).code, 'mp4_overlapping_samples');
  });

  it('a moov declaring a 64-bit size far past the end of the file', () => {
    const ftyp = box('ftyp', ascii('isom'), u32(0x200), ascii('isom'));
    const moov = concat([u32(1), ascii('moov'), u32(0x3fff_ffff, 0xffff_fff0), box('mvhd', new Uint8Array(100))]);
    const code = readInChild(write('huge-box.mp4', concat([ftyp, moov]))).code;
    assert.ok(code === 'mp4_truncated' || code === 'mp4_bad_box', code);
  });

  it('5 million empty top-level boxes', () => {
    const ftyp = box('ftyp', ascii('isom'), u32(0x200), ascii('isom'));
    const boxes = new Uint8Array(5_000_000 * 8);
    const dv = new DataView(boxes.buffer);
    for (let at = 0; at < boxes.length; at += 8) {
      dv.setUint32(at, 8);
      dv.setUint32(at + 4, 0x66726565); // 'free'
    }
    assert.equal(readInChild(write('many-boxes.mp4', concat([ftyp, boxes]))).code, 'mp4_too_many_boxes');
  });

  it('one 16 MiB GPMF payload of 2 million empty GPS5 entries', () => {
    const entries = new Uint8Array(2_000_000 * 8);
    const dv = new DataView(entries.buffer);
    for (let at = 0; at < entries.length; at += 8) {
      dv.setUint32(at, 0x47505335); // 'GPS5', type 'l', struct size 20, repeat 0
      dv.setUint32(at + 4, 0x6c140000);
    }
    const code = readInChild(write('huge-payload.mp4', hostileMp4({ payload: entries, samples: 1 }))).code;
    assert.equal(code, 'mp4_sample_too_large');
  });

  it('containers nested 20,000 deep', () => {
    let inner = box('stbl');
    for (let i = 0; i < 20_000; i++) inner = box(i % 2 ? 'mdia' : 'minf', inner);
    const ftyp = box('ftyp', ascii('isom'), u32(0x200), ascii('isom'));
    const code = readInChild(write('deep.mp4', concat([ftyp, box('moov', box('trak', inner))]))).code;
    assert.equal(code, 'mp4_bad_box');
  });
});

describe('300,000-point text tracks under a 128 MiB heap', () => {
  for (const format of ['gpx', 'nmea', 'csv', 'json'] as const) {
    it(`${format}: read whole, and telemetry_too_large over a 200,000-point cap`, async () => {
      const file = await writeLongTrack(dir, format, 300_000);
      assert.deepEqual(readInChild(file), { points: 300_000 });
      const capped = readInChild(file, { MAPMINT_MAX_TRACK_POINTS: '200000' });
      assert.equal(capped.code, 'telemetry_too_large');
    });
  }
});

/**
 * Valid tables of 3.9 million tiny samples (one chunk, a fixed stsz: a ~40 MB file, under the 4 M cap): each reader
 * must decode sample by sample and keep only what it finds, not an object per sample (3.9 M objects of ~100 bytes
 * would not fit the 128 MiB heap).
 */
describe('3.9 million real telemetry samples under a 128 MiB heap', () => {
  const N = 3_900_000;
  const many = (name: string, sampleEntry: string, payload: Uint8Array, handlerType = 'meta') =>
    write(
      name,
      hostileMp4({
        payload,
        samples: N,
        sampleEntry,
        handlerType,
        fixedSize: true,
        oneChunk: true,
        padding: (N - 1) * payload.length,
      }),
    );

  it('gpmd: 8-byte empty GPMF payloads end in gpmf_no_gps', () => {
    assert.equal(readInChild(many('gpmd-many.mp4', 'gpmd', new Uint8Array(8))).code, 'gpmf_no_gps');
  });

  it('camm: 3.9 M angle-axis packets (type 0, 16 zero bytes each) end in camm_no_gps', () => {
    assert.equal(readInChild(many('camm-many.mp4', 'camm', new Uint8Array(16))).code, 'camm_no_gps');
  });

  it('rtmd: 3.9 M frames without GPS tags end in mp4_no_telemetry', () => {
    // Each 4-byte sample is a header length of 4 and nothing after it.
    assert.equal(readInChild(many('rtmd-many.mp4', 'rtmd', Uint8Array.of(0, 4, 0, 0))).code, 'mp4_no_telemetry');
  });

  it('tx3g: 3.9 M empty subtitle cues end in mp4_no_telemetry', () => {
    assert.equal(readInChild(many('tx3g-many.mp4', 'tx3g', new Uint8Array(2), 'sbtl')).code, 'mp4_no_telemetry');
  });
});

/** A video-only MP4 (ftyp, mdat of `mdatBytes`, moov last) followed by `after` at the end of the file. */
function videoWith(mdatBytes: number, after: Uint8Array = new Uint8Array(0), moovExtra?: Uint8Array): Uint8Array {
  const base = hostileMp4({ payload: new Uint8Array(16), samples: 1, sampleEntry: 'avc1', handlerType: 'vide' });
  const f = new DataView(base.buffer).getUint32(0); // ftyp's size
  const ftyp = base.subarray(0, f);
  let moov = base.subarray(f + 8 + 16);
  if (moovExtra) {
    moov = concat([moov, moovExtra]);
    new DataView(moov.buffer, moov.byteOffset).setUint32(0, moov.length);
  }
  const out = new Uint8Array(f + 8 + mdatBytes + moov.length + after.length);
  out.set(ftyp, 0);
  new DataView(out.buffer).setUint32(f, 8 + mdatBytes);
  out.set(ascii('mdat'), f + 4);
  out.set(moov, f + 8 + mdatBytes);
  out.set(after, f + 8 + mdatBytes + moov.length);
  return out;
}

describe('dashcam GPS: bounded reading', () => {
  const block = () => {
    const b = new Uint8Array(0x8000);
    new DataView(b.buffer).setUint32(0, 0x8000);
    b.set(ascii('freeGPS '), 4);
    return b;
  };

  it(`the freeGPS scan gives up ${SCAN_FIRST_BLOCK_WITHIN >> 20} MiB into mdat without a block, reading no more`, async () => {
    // 48 MiB of video and a block after it: a camera interleaves its blocks from the start, so this one is not GPS
    // of the clip's first seconds and the scan must not read the whole file to find it.
    const src = countingSource(videoWith(48 << 20, box('free', block())), 'late-block.mp4');
    await assert.rejects(
      readMp4TelemetrySource(src),
      (e) => e instanceof MapmintError && e.code === 'mp4_no_telemetry',
    );
    assert.ok(src.bytesRead <= SCAN_FIRST_BLOCK_WITHIN + (2 << 20), `${src.bytesRead} bytes read`);
  });

  it('a moov/gps list too long for any drive is refused before its entries are read', async () => {
    const entries = 1_000_000;
    const list = concat([u32(8 + 8 + 8 * entries), ascii('gps '), u32(0x101, entries), new Uint8Array(8 * entries)]);
    const src = countingSource(videoWith(64, new Uint8Array(0), list), 'long-list.mp4');
    await assert.rejects(
      readMp4TelemetrySource(src),
      (e) => e instanceof MapmintError && e.code === 'telemetry_too_large',
    );
    assert.ok(src.bytesRead < 64 << 10, `${src.bytesRead} bytes read`);
  });
});
