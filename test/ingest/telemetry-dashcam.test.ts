/**
 * Dashcam GPS inside MP4 files: Novatek `freeGPS ` blocks (binary Viofo layout, its IQS variant, Nextbase's NMEA
 * text) found through `moov/gps ` or by scanning, and BlackVue's `free/gps ` NMEA log. No real file of these cameras
 * is in ../shared/data (SOURCES-media.md: none found in a public repository), so each file is built here byte by byte
 * from the layouts exiftool's QuickTimeStream.pl documents (ProcessFreeGPS, ProcessFreeGPS2) and mapillary_tools'
 * blackvue_parser; each builder names the offsets it writes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { bufferSource, decodeFreeGpsBlock, readMp4TelemetrySource, readTrack } from '../../ingest/telemetry/index.ts';
import { ascii, box, concat, u32, videoOnlyMp4 } from '../support/mp4-builder.ts';

interface Fix {
  /** UTC time. */
  at: Date;
  lat: number;
  lon: number;
  knots: number;
  track: number;
  status?: 'A' | 'V';
}

/** Decimal degrees to the DDDMM.MMMM number Novatek stores. */
const ddmm = (deg: number): number => {
  const a = Math.abs(deg);
  return Math.trunc(a) * 100 + (a - Math.trunc(a)) * 60;
};

/** A Viofo-style binary block (0x8000 bytes): time fields at 0x30, status and refs at 0x48, floats at 0x4c. */
function viofoBlock(f: Fix, variant: 'float' | 'iqs' = 'float'): Uint8Array {
  const b = new Uint8Array(0x8000);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x8000);
  b.set(ascii('freeGPS '), 4);
  if (variant === 'iqs') b.set(ascii('IQS_A7_20150417'), 16);
  const d = f.at;
  const fields = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCFullYear() - 2000];
  [...fields, d.getUTCMonth() + 1, d.getUTCDate()].forEach((v, i) => {
    dv.setUint32(0x30 + 4 * i, v, true);
  });
  b.set(ascii(`${f.status ?? 'A'}${f.lat < 0 ? 'S' : 'N'}${f.lon < 0 ? 'W' : 'E'}`), 0x48);
  if (variant === 'iqs') {
    dv.setInt32(0x4c, Math.round(Math.abs(f.lat) * 1e7), true);
    dv.setInt32(0x50, Math.round(Math.abs(f.lon) * 1e7), true);
    dv.setInt32(0x54, Math.round(f.knots * 0.514444 * 100), true);
  } else {
    dv.setFloat32(0x4c, ddmm(f.lat), true);
    dv.setFloat32(0x50, ddmm(f.lon), true);
    dv.setFloat32(0x54, f.knots, true);
    dv.setFloat32(0x58, f.track, true);
  }
  return b;
}

/** NMEA checksum-terminated sentence. */
function nmea(body: string): string {
  let x = 0;
  for (const c of body) x ^= c.charCodeAt(0);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

function rmc(f: Fix): string {
  const d = f.at;
  const p2 = (n: number) => String(n).padStart(2, '0');
  const hm = (deg: number, w: number) => {
    const a = Math.abs(deg);
    return `${String(Math.trunc(a)).padStart(w, '0')}${((a - Math.trunc(a)) * 60).toFixed(4).padStart(7, '0')}`;
  };
  const time = `${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}.00`;
  const date = `${p2(d.getUTCDate())}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCFullYear() % 100)}`;
  const lat = `${hm(f.lat, 2)},${f.lat < 0 ? 'S' : 'N'}`;
  const lon = `${hm(f.lon, 3)},${f.lon < 0 ? 'W' : 'E'}`;
  return nmea(`GPRMC,${time},${f.status ?? 'A'},${lat},${lon},${f.knots.toFixed(2)},${f.track.toFixed(1)},${date},,,A`);
}

/** A Nextbase-style block: camera date-time digits at 52, NMEA text further in. */
function nextbaseBlock(f: Fix): Uint8Array {
  const b = new Uint8Array(0x8000);
  new DataView(b.buffer).setUint32(0, 0x8000);
  b.set(ascii('freeGPS '), 4);
  b.set(ascii('20240611124500'), 52);
  b.set(ascii(`${rmc(f)}\r\n`), 160);
  return b;
}

/** A drive of `n` fixes one second apart heading north-east from Berlin's Alexanderplatz at 20 knots. */
function drive(n: number, start = Date.UTC(2024, 5, 11, 12, 45, 0)): Fix[] {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(start + i * 1000),
    lat: 52.5219 + i * 0.00005,
    lon: 13.4132 + i * 0.00008,
    knots: 20,
    track: 45,
  }));
}

/** A video-like track (avc1 samples of junk) with the GPS blocks appended as one `free` box after `mdat`. */
/** `forgedRepeats`: a list of that many entries all naming the first block. */
function novatekFile(blocks: Uint8Array[], withList: boolean, forgedRepeats = 0): Uint8Array {
  // mvhd in local time (UTC+2), as many dashcams write it.
  const base = videoOnlyMp4(Date.UTC(2024, 5, 11, 14, 45, 0) / 1000, 4);
  // buildMp4 writes ftyp, mdat, moov last: the blocks go into a `free` box after moov, and moov gains the list.
  if (!withList) return concat([base, box('free', concat(blocks))]);
  const moovAt = findTopBox(base, 'moov');
  const entries = forgedRepeats || blocks.length;
  const listSize = 16 + 8 * entries;
  const firstBlock = base.length + listSize + 8; // after the grown moov and the free box's header
  // moov/gps : 8 bytes of version/count, then a big-endian (offset, size) per block.
  const at = (i: number) => (forgedRepeats ? firstBlock : firstBlock + i * 0x8000);
  const list = box('gps ', u32(0x101, entries), ...Array.from({ length: entries }, (_, i) => u32(at(i), 0x8000)));
  const moov = concat([base.subarray(moovAt), list]);
  new DataView(moov.buffer, moov.byteOffset).setUint32(0, moov.length);
  return concat([base.subarray(0, moovAt), moov, box('free', concat(blocks))]);
}

function findTopBox(file: Uint8Array, type: string): number {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  for (let at = 0; at + 8 <= file.length; at += dv.getUint32(at)) {
    if (String.fromCharCode(...file.subarray(at + 4, at + 8)) === type) return at;
  }
  throw new Error(`no ${type}`);
}

/** BlackVue: a top-level `free` box with a `gps ` child of `[unix ms]$GPRMC...` lines (and an accelerometer box). */
function blackVueFile(fixes: Fix[]): Uint8Array {
  const base = videoOnlyMp4();
  const text = fixes.map((f) => `[${f.at.getTime()}]${rmc(f)}\r\n`).join('');
  return concat([base, box('free', box('gps ', ascii(`${text}\0\0`)), box('3gf ', new Uint8Array(30)))]);
}

describe('dashcam GPS in MP4 (Novatek freeGPS, BlackVue)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mapmint-dashcam-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a binary Viofo block decodes to the fix it holds (float32 DDMM.MMMM: within 1 m)', () => {
    const [f] = drive(1);
    const p = decodeFreeGpsBlock(viofoBlock(f!));
    assert.ok(p);
    assert.equal(p.t, f!.at.getTime());
    assert.ok(Math.abs(p.lat - f!.lat) < 1e-5 && Math.abs(p.lon - f!.lon) < 1e-5, `${p.lat},${p.lon}`);
    assert.ok(Math.abs((p.speed ?? 0) - 20 * 0.514444) < 0.01);
    assert.equal(p.heading, 45);
  });

  test('southern and western hemispheres, the IQS integer variant, and a void fix', () => {
    const f: Fix = { at: new Date(Date.UTC(2023, 0, 2, 3, 4, 5)), lat: -33.8688, lon: -70.6693, knots: 10, track: 0 };
    const p = decodeFreeGpsBlock(viofoBlock(f, 'iqs'));
    assert.ok(p);
    assert.ok(Math.abs(p.lat + 33.8688) < 1e-6 && Math.abs(p.lon + 70.6693) < 1e-6);
    assert.ok(Math.abs((p.speed ?? 0) - 5.14) < 0.01);
    assert.equal(decodeFreeGpsBlock(viofoBlock({ ...f, status: 'V' })), undefined);
    assert.equal(decodeFreeGpsBlock(new Uint8Array(200)), undefined);
  });

  test('a Nextbase block carries NMEA text', () => {
    const [f] = drive(1);
    const p = decodeFreeGpsBlock(nextbaseBlock(f!));
    assert.ok(p);
    assert.equal(p.t, f!.at.getTime());
    assert.ok(Math.abs(p.lat - f!.lat) < 1e-5 && Math.abs(p.lon - f!.lon) < 1e-5);
  });

  test('an MP4 with moov/gps reads every listed block, in order, as a novatek track', async () => {
    const fixes = drive(5);
    const file = novatekFile(
      fixes.map((f) => viofoBlock(f)),
      true,
    );
    const track = await readMp4TelemetrySource(bufferSource(file, 'viofo.mp4'));
    assert.equal(track.format, 'novatek');
    assert.equal(track.meta?.source, 'moov/gps');
    assert.deepEqual(
      track.points.map((p) => p.t),
      fixes.map((f) => f.at.getTime()),
    );
  });

  test('without a gps list the blocks are found by scanning, and readTrack reads the file from disk', async () => {
    const fixes = drive(4);
    const file = path.join(dir, 'novatek-scan.mp4');
    await writeFile(
      file,
      novatekFile(
        fixes.map((f) => nextbaseBlock(f)),
        false,
      ),
    );
    const track = await readTrack({ path: file });
    // Nextbase 512GW blocks: a Novatek container holding NMEA text, reported as the camera that wrote it.
    assert.equal(track.format, 'nextbase');
    assert.equal(track.meta?.layout, 'nextbase-nmea');
    assert.equal(track.meta?.source, 'mdat scan');
    assert.equal(track.points.length, 4);
  });

  test('a forged gps list pointing at one block again and again reads it once', async () => {
    const [f] = drive(1);
    const file = novatekFile([viofoBlock(f!)], true, 2000);
    const track = await readMp4TelemetrySource(bufferSource(file, 'forged.mp4'));
    assert.equal(track.points.length, 1);
    assert.equal(track.meta?.blocks, '1');
  });

  test('blocks without a satellite fix give gps_no_fix, not an empty track', async () => {
    const fixes = drive(3).map((f) => ({ ...f, status: 'V' as const }));
    const file = novatekFile(
      fixes.map((f) => viofoBlock(f)),
      true,
    );
    await assert.rejects(
      readMp4TelemetrySource(bufferSource(file, 'nofix.mp4')),
      (e: unknown) => e instanceof MapmintError && e.code === 'gps_no_fix',
    );
  });

  test('BlackVue free/gps NMEA with bracketed camera times reads as a blackvue track', async () => {
    const fixes = drive(6);
    const track = await readMp4TelemetrySource(bufferSource(blackVueFile(fixes), 'blackvue.mp4'));
    assert.equal(track.format, 'blackvue');
    assert.equal(track.points.length, 6);
    assert.equal(track.points[5]!.t, fixes[5]!.at.getTime());
    assert.ok(Math.abs(track.points[5]!.lon - fixes[5]!.lon) < 1e-5);
    await assert.rejects(
      readMp4TelemetrySource(bufferSource(blackVueFile(fixes), 'blackvue.mp4'), undefined, 5),
      (e) => e instanceof MapmintError && e.code === 'telemetry_too_large',
    );
  });

  test('a dashcam video with no GPS at all still says mp4_no_telemetry (real Udacity clip)', async () => {
    const file = path.resolve('../shared/data/video/dashcam_nogps_udacity_test_video.mp4');
    await assert.rejects(
      readTrack({ path: file }),
      (e: unknown) => e instanceof MapmintError && e.code === 'mp4_no_telemetry',
    );
  });
});
