/**
 * Embedded GPS of cameras with no real file in ../shared/data (SOURCES-media.md: none found in a public repository):
 * GoPro GPS9 (HERO11+), Garmin dash cams (`PNDM` text records), Sony `rtmd` and Nextbase 512G binary freeGPS
 * records. Each file is built here byte by byte from the published layout its builder names (gpmf-parser README for
 * GPS9; exiftool QuickTimeStream.pl for Garmin and Nextbase; exiftool Sony.pm Process_rtmd and the Sony::rtmd table
 * for rtmd), written to disk and read through readTrack, so sniffing and routing are exercised too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { decodePndm, decodeRtmd, FORMATS_READ, readTrack } from '../../ingest/telemetry/index.ts';
import { ascii, box, buildMp4, concat, u16, u32, videoOnlyMp4 } from '../support/mp4-builder.ts';

const iso = (t: number) => new Date(t).toISOString();

/** One point under the track's size as the cap: the read stops with telemetry_too_large. */
async function refusedOverCap(file: string, points: number): Promise<void> {
  await assert.rejects(
    readTrack({ path: file, limits: { maxPoints: points - 1 } }),
    (e) => e instanceof MapmintError && e.code === 'telemetry_too_large',
  );
}
const T0 = Date.UTC(2024, 5, 11, 12, 45, 0);
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-formats-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function onDisk(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** GPMF KLV (gpmf-parser README "KLV Design"): key, type char, struct size, big-endian repeat, data padded to 4. */
function klv(key: string, type: string, structSize: number, repeat: number, data: Uint8Array): Uint8Array {
  const head = concat([ascii(key), Uint8Array.of(type === '\0' ? 0 : type.charCodeAt(0), structSize), u16(repeat)]);
  return concat([head, data, new Uint8Array((4 - (data.length % 4)) % 4)]);
}
const nest = (key: string, ...parts: Uint8Array[]) => {
  const body = concat(parts);
  return klv(key, '\0', 1, body.length, body);
};
const i32 = (...v: number[]) => {
  const out = new Uint8Array(4 * v.length);
  v.forEach((x, i) => {
    new DataView(out.buffer).setInt32(4 * i, x);
  });
  return out;
};

interface Gps9Row {
  t: number;
  lat: number;
  lon: number;
  alt: number;
  speed: number;
  dop: number;
  fix: number;
}

/** One payload: a GPS5 stream (positions 1 degree off, to prove it is not used) and a GPS9 stream. */
function gps9Payload(rows: Gps9Row[]): Uint8Array {
  const days = (t: number) => Math.floor((t - Date.UTC(2000, 0, 1)) / 86_400_000);
  const msOfDay = (t: number) => (t - Date.UTC(2000, 0, 1)) % 86_400_000;
  // GPS9: TYPE "lllllllSS", SCAL 1e7, 1e7, 1000, 1000, 100, 1, 1000, 100, 1 (gpmf-parser README, HERO11).
  const gps9 = concat(
    rows.map((r) =>
      concat([
        i32(Math.round(r.lat * 1e7), Math.round(r.lon * 1e7), Math.round(r.alt * 1000), Math.round(r.speed * 1000)),
        i32(Math.round(r.speed * 100), days(r.t), msOfDay(r.t)),
        u16(Math.round(r.dop * 100), r.fix),
      ]),
    ),
  );
  const gps5 = concat(rows.map((r) => i32((r.lat + 1) * 1e7, (r.lon + 1) * 1e7, 0, 0, 0)));
  return nest(
    'DEVC',
    klv('DVNM', 'c', 1, 13, ascii('HERO12 Black\0')),
    nest(
      'STRM',
      klv('GPSU', 'U', 16, 1, ascii('240611124400.000')),
      klv('GPSF', 'L', 4, 1, u32(3)),
      klv('SCAL', 'l', 4, 5, i32(1e7, 1e7, 1000, 1000, 100)),
      klv('GPS5', 'l', 20, rows.length, gps5),
    ),
    nest(
      'STRM',
      klv('SCAL', 'l', 4, 9, i32(1e7, 1e7, 1000, 1000, 100, 1, 1000, 100, 1)),
      klv('TYPE', 'c', 1, 9, ascii('lllllllSS')),
      klv('GPS9', '?', 32, rows.length, gps9),
    ),
  );
}

describe('GoPro GPS9 (HERO11+)', () => {
  test('each sample carries its own UTC time; GPS9 wins over GPS5 in the same payload', async () => {
    const rows = (k: number): Gps9Row[] =>
      [0, 1, 2].map((i) => ({
        t: T0 + k * 1000 + i * 100 + 7, // 10 Hz, 7 ms after the second: not the stts clock
        lat: 52.5219 + (3 * k + i) * 1e-5,
        lon: 13.4132 + (3 * k + i) * 2e-5,
        alt: 41.25,
        speed: 12.5,
        dop: 1.37,
        fix: i === 0 && k === 0 ? 0 : 3, // the very first row has no lock
      }));
    const mp4 = buildMp4({
      sampleEntry: 'gpmd',
      handlerType: 'meta',
      handlerName: 'GoPro MET',
      timescale: 1000,
      samples: [gps9Payload(rows(0)), gps9Payload(rows(1))],
      durations: [1001, 1001],
      creationUnixSeconds: T0 / 1000,
    });
    const file = await onDisk('hero12.mp4', mp4);
    const track = await readTrack({ path: file });
    await refusedOverCap(file, track.points.length);
    assert.equal(track.format, 'gpmf');
    assert.equal(track.meta?.gpsStream, 'GPS9');
    assert.equal(track.meta?.device, 'HERO12 Black');
    assert.equal(track.points.length, 5, 'six rows, the one without a fix dropped');
    assert.deepEqual(
      track.points.map((p) => iso(p.t)),
      ['12:45:00.107', '12:45:00.207', '12:45:01.007', '12:45:01.107', '12:45:01.207'].map((s) => `2024-06-11T${s}Z`),
    );
    const p = track.points[0]!;
    assert.ok(Math.abs(p.lat - 52.52191) < 1e-7 && Math.abs(p.lon - 13.41322) < 1e-7, `${p.lat},${p.lon}`);
    assert.deepEqual([p.alt, p.speed, p.hdop, p.fix], [41.25, 12.5, 1.37, 3]);
  });
});

/** A Garmin `PNDM` record (exiftool QuickTimeStream.pl): optional size word, then speed mph and semicircles. */
function pndm(lat: number, lon: number, mph: number, sizeWord = true): Uint8Array {
  const rec = new Uint8Array(40);
  const dv = new DataView(rec.buffer);
  rec.set(ascii('PNDM'), 0);
  dv.setUint16(8, mph);
  dv.setInt32(12, Math.round((lat * 2 ** 31) / 180));
  dv.setInt32(16, Math.round((lon * 2 ** 31) / 180));
  return sizeWord ? concat([u32(rec.length), rec]) : rec;
}

describe('Garmin dash cam (PNDM records in a text track)', () => {
  test('fixes dated by mvhd + sample time, semicircles to degrees, mph to m/s, first fix placed in the video', async () => {
    const fixes = [0, 1, 2, 3].map((i) => [47.6062 + i * 1e-4, -122.3321 - i * 1e-4] as const);
    const mp4 = buildMp4({
      sampleEntry: 'text',
      handlerType: 'text',
      handlerName: 'Garmin GPS',
      timescale: 1000,
      // A record without a fix first (the receiver still searching), then one a second; one without the size word.
      samples: [pndm(0, 0, 0), ...fixes.map(([lat, lon], i) => pndm(lat, lon, 30 + i, i !== 2))],
      durations: [1000, 1000, 1000, 1000, 1000],
      creationUnixSeconds: T0 / 1000,
    });
    const file = await onDisk('garmin.mp4', mp4);
    const track = await readTrack({ path: file });
    await refusedOverCap(file, track.points.length);
    assert.equal(track.format, 'garmin');
    assert.equal(track.meta?.records, '5');
    assert.equal(track.meta?.clock, 'mvhd');
    assert.equal(track.meta?.firstFixMediaMs, '1000');
    assert.deepEqual(
      track.points.map((p) => iso(p.t)),
      [1, 2, 3, 4].map((s) => iso(T0 + s * 1000)),
    );
    track.points.forEach((p, i) => {
      // One semicircle is 8.4e-8 degrees (under 1 cm).
      assert.ok(Math.abs(p.lat - fixes[i]![0]) < 1e-7 && Math.abs(p.lon - fixes[i]![1]) < 1e-7, `${p.lat},${p.lon}`);
      assert.ok(Math.abs(p.speed! - (30 + i) * 0.44704) < 1e-9);
    });
    assert.equal(decodePndm(ascii('PNDM and too short')), undefined);
  });
});

/** One Sony rtmd record: u16 tag, u16 length, value (big-endian). */
const rec = (tag: number, value: Uint8Array) => concat([u16(tag, value.length), value]);
const rationals = (...v: [number, number][]) => u32(...v.flat());
const cstr = (s: string) => ascii(`${s}\0`);

/** A frame's rtmd sample (exiftool Sony.pm Process_rtmd): 0x1c-byte header, a 16-byte label, a 0x8300 container. */
function rtmdSample(fix: { t: number; lat: number; lon: number } | undefined): Uint8Array {
  const header = concat([u16(0x1c), new Uint8Array(0x1a)]);
  const label = concat([u16(0x060e), ascii('+4\x02S'), new Uint8Array(10), u16(0)]).subarray(0, 16);
  const d = new Date(fix?.t ?? T0);
  const dms = (deg: number): [number, number][] => {
    const a = Math.abs(deg);
    const m = (a - Math.trunc(a)) * 60;
    return [
      [Math.trunc(a), 1],
      [Math.trunc(m), 1],
      [Math.round((m - Math.trunc(m)) * 60 * 10000), 10000],
    ];
  };
  const gps = concat([
    rec(0x8500, Uint8Array.of(2, 2, 0, 0)),
    rec(0x8501, cstr(fix && fix.lat < 0 ? 'S' : 'N')),
    rec(0x8502, rationals(...dms(fix?.lat ?? 0))),
    rec(0x8503, cstr(fix && fix.lon < 0 ? 'W' : 'E')),
    rec(0x8504, rationals(...dms(fix?.lon ?? 0))),
    rec(0x8507, rationals([d.getUTCHours(), 1], [d.getUTCMinutes(), 1], [d.getUTCSeconds() * 1000, 1000])),
    rec(0x8509, cstr(fix ? 'A' : 'V')),
    rec(0x850a, cstr('3')),
    rec(0x8512, cstr('WGS-84')),
    rec(
      0x851d,
      cstr(
        `${d.getUTCFullYear()}:${String(d.getUTCMonth() + 1).padStart(2, '0')}:${String(d.getUTCDate()).padStart(2, '0')}`,
      ),
    ),
  ]);
  const camera = concat([rec(0x8109, rationals([1, 100])), rec(0x810b, u16(400))]);
  return concat([header, label, rec(0x8300, concat([camera, gps])), u16(0, 0)]);
}

describe('Sony rtmd', () => {
  test('one sample per frame, one point per GPS second, DMS rationals and refs, void frames skipped', async () => {
    const fps = 25;
    const fixAt = (s: number) => ({ t: T0 + s * 1000, lat: -33.8568 - s * 1e-4, lon: 151.2153 + s * 1e-4 });
    // 10 frames before the receiver has a fix (status V), then 3 seconds of frames repeating the second's fix.
    const frames = [
      ...Array.from({ length: 10 }, () => rtmdSample(undefined)),
      ...Array.from({ length: 3 * fps }, (_, i) => rtmdSample(fixAt(Math.floor(i / fps)))),
    ];
    const mp4 = buildMp4({
      sampleEntry: 'rtmd',
      handlerType: 'meta',
      handlerName: 'Timed Metadata Media Handler',
      timescale: 25_000,
      samples: frames,
      durations: frames.map(() => 1000),
      creationUnixSeconds: T0 / 1000,
    });
    const file = await onDisk('sony.mp4', mp4);
    const track = await readTrack({ path: file });
    await refusedOverCap(file, track.points.length);
    assert.equal(track.format, 'sony-rtmd');
    assert.equal(track.meta?.samples, String(frames.length));
    assert.equal(track.meta?.firstFixMediaMs, '400'); // frame 10 at 25 fps
    assert.deepEqual(
      track.points.map((p) => iso(p.t)),
      [0, 1, 2].map((s) => iso(T0 + s * 1000)),
    );
    track.points.forEach((p, s) => {
      const want = fixAt(s);
      // Seconds stored to 1/10000: 3 mm.
      assert.ok(Math.abs(p.lat - want.lat) < 1e-7 && Math.abs(p.lon - want.lon) < 1e-7, `${p.lat},${p.lon}`);
      assert.equal(p.fix, 3);
    });
    assert.equal(decodeRtmd(rtmdSample(undefined)), undefined);
  });

  test('a Sony clip whose rtmd frames carry no fix is a video without telemetry, not a broken file', async () => {
    const frames = Array.from({ length: 5 }, () => rtmdSample(undefined));
    const mp4 = buildMp4({
      sampleEntry: 'rtmd',
      handlerType: 'meta',
      handlerName: 'Timed Metadata Media Handler',
      timescale: 25,
      samples: frames,
      durations: frames.map(() => 1),
      creationUnixSeconds: T0 / 1000,
    });
    await assert.rejects(
      readTrack({ path: await onDisk('sony-nogps.mp4', mp4) }),
      (e) =>
        e instanceof MapmintError && e.code === 'mp4_no_telemetry' && /Sony rtmd track with no GPS fix/.test(e.message),
    );
  });
});

/** A Nextbase 512G block: 0x8000 bytes, "x.xx" and "00000" in the header, big-endian 32-byte records from 0x30. */
function nextbase512g(fixes: { t: number; lat: number; lon: number; speed: number; heading: number }[]): Uint8Array {
  const b = new Uint8Array(0x8000);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x8000);
  b.set(ascii('freeGPS '), 4);
  b.set(ascii('x.xx'), 0x10);
  b.set(ascii('00000'), 0x20);
  fixes.forEach((f, i) => {
    const at = 0x30 + 0x20 * i;
    const d = new Date(f.t);
    b.set(ascii('$S'), at);
    dv.setUint16(at + 2, Math.round(f.speed * 100));
    dv.setInt16(at + 4, Math.round(f.heading * 100));
    dv.setUint16(at + 6, d.getUTCFullYear());
    [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()].forEach((v, k) => {
      dv.setUint8(at + 8 + k, v);
    });
    dv.setUint16(at + 12, d.getUTCSeconds() * 10 + Math.round(d.getUTCMilliseconds() / 100));
    dv.setUint8(at + 14, 16);
    dv.setInt32(at + 15, Math.round(f.lat * 1e7));
    dv.setInt32(at + 19, Math.round(f.lon * 1e7));
  });
  return b;
}

describe('Nextbase 512G (binary freeGPS records)', () => {
  test('every record of every block, found by the mdat scan; headings signed x100', async () => {
    const fix = (i: number) => ({
      t: T0 + i * 200,
      lat: 51.5007 + i * 1e-5,
      lon: -0.1246 - i * 1e-5,
      speed: 8.5,
      heading: -90,
    });
    const blocks = [0, 1].map((k) => nextbase512g([0, 1, 2, 3, 4].map((i) => fix(5 * k + i))));
    const base = videoOnlyMp4(T0 / 1000);
    const file = await onDisk('nextbase.mp4', concat([base, box('free', ...blocks)]));
    const track = await readTrack({ path: file });
    await refusedOverCap(file, track.points.length);
    assert.equal(track.format, 'nextbase');
    assert.equal(track.meta?.layout, 'nextbase-binary');
    assert.equal(track.meta?.blocks, '2');
    assert.deepEqual(
      track.points.map((p) => iso(p.t)),
      Array.from({ length: 10 }, (_, i) => iso(fix(i).t)),
    );
    for (const [i, p] of track.points.entries()) {
      assert.ok(Math.abs(p.lat - fix(i).lat) < 1e-7 && Math.abs(p.lon - fix(i).lon) < 1e-7);
      assert.equal(p.speed, 8.5);
      assert.equal(p.heading, 270);
    }
  });
});

describe('routing and refusal', () => {
  test('a file of no known format is refused with a message naming every format read', async () => {
    const file = await onDisk(
      'mystery.bin',
      Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 7),
    );
    await assert.rejects(readTrack({ path: file }), (e) => {
      assert.ok(e instanceof MapmintError && e.code === 'telemetry_unknown_format', String(e));
      for (const name of ['GPX', 'NMEA', 'DJI', 'CSV', 'JSON', 'EXIF', 'GPMF', 'GPS9', 'CAMM', 'Sony rtmd', 'Garmin']) {
        assert.ok(e.message.includes(name), `${name} missing from: ${e.message}`);
      }
      for (const name of ['Novatek', 'Nextbase', 'BlackVue', 'Karma']) assert.ok(e.message.includes(name), name);
      return true;
    });
    assert.ok(FORMATS_READ.length > 0);
  });
});
