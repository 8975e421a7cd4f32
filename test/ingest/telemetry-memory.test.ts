/**
 * Every telemetry reader on hostile sizes under a 128 MiB heap (issue 17.2): each file is read by readTrack in a child
 * process started with `--max-old-space-size=128`, and must end with a typed error (its code checked) or a bounded
 * track, never a crash or an out-of-memory abort. Inputs: forged MP4 sample tables (tens of millions of declared
 * entries, a fixed-size stsz as large as the file allows, 200,000 chunks pointing at one GPMF payload, boxes
 * declaring sizes past the file, containers nested thousands deep) and 300,000-point GPX/NMEA/CSV/JSON tracks, read
 * whole and over a lowered point cap.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hostileMp4, realGpmfPayload } from '../support/hostile-mp4.ts';
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
