/**
 * Property tests: on random bytes, truncated real files and bit-flipped real files every reader either returns a
 * well-formed Track or throws MapmintError; any other exception (TypeError, RangeError, saxes' own Error) fails.
 * Inputs are bounded (a few KiB of random data, a fixed number of runs) so the whole file runs in a few seconds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MapmintError, type Track } from '../../core/index.ts';
import {
  bufferSource,
  parseCsv,
  parseGpx,
  parseJson,
  parseNmea,
  readMovie,
  readMp4TelemetrySource,
  sniffFormat,
} from '../../ingest/telemetry/index.ts';
import { allSamples } from '../support/hostile-mp4.ts';
import { sharedFile } from '../support/shared-data.ts';

type Reader = (bytes: Uint8Array) => Track | Promise<Track>;

const READERS: Record<string, Reader> = {
  nmea: (b) => parseNmea(b),
  gpx: (b) => parseGpx(b),
  csv: (b) => parseCsv(b),
  json: (b) => parseJson(b),
  mp4: (b) => readMp4TelemetrySource(bufferSource(b, 'fuzz.mp4')),
};

/** Run a reader; pass on a valid Track or a MapmintError, fail on anything else. */
async function outcome(read: Reader, bytes: Uint8Array): Promise<'track' | 'error'> {
  let track: Track;
  try {
    track = await read(bytes);
  } catch (e) {
    if (e instanceof MapmintError) {
      assert.equal(e.kind, 'invalid_input', `${e.code}: ${e.message}`);
      assert.ok(e.code.length > 0 && e.message.length > 0);
      return 'error';
    }
    throw e;
  }
  assert.ok(track.points.length > 0, 'a returned track has points');
  for (const p of track.points) {
    assert.ok(Number.isFinite(p.t), 't is finite');
    assert.ok(Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180, 'lat/lon in range');
  }
  return 'track';
}

const flip = (bytes: Uint8Array, positions: number[]): Uint8Array => {
  const out = Uint8Array.from(bytes);
  for (const bit of positions) out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
};

const corpus: Record<string, Uint8Array[]> = {
  nmea: ['nl2008u', 'myguide-3100', 'garmin-10x', 'nmea-fuzzy-cases'].map((n) =>
    readFileSync(sharedFile('traces', 'nmea', `${n}.log`)),
  ),
  gpx: [
    readFileSync(sharedFile('traces', 'gpx', 'around-visnjan-with-car.gpx')),
    readFileSync(sharedFile('traces', 'graphhopper', 'issue-13.gpx')),
  ],
  csv: [
    readFileSync(sharedFile('traces', 'osrm', 'monaco_three_test_coordinates.csv')),
    // The first ~150 rows, cut at a line end (a row cut in half is rightly a csv_bad_row).
    ((b: Buffer) => b.subarray(0, b.lastIndexOf('\n', 8000) + 1))(
      readFileSync(sharedFile('traces', 'newson-krumm-seattle', 'gps_data.txt')),
    ),
  ],
  json: [
    Buffer.from(
      JSON.stringify({
        points: [
          { time: 1, lat: 1, lon: 2, speed: 3 },
          { time: '2020-01-01T00:00:00Z', latitude: 5, lng: 6 },
        ],
      }),
    ),
  ],
};

describe('readers never throw anything but MapmintError', () => {
  for (const [name, read] of Object.entries(READERS)) {
    it(`${name}: random bytes`, { timeout: 20_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
          await outcome(read, bytes);
        }),
        { numRuns: 150 },
      );
    });
  }

  for (const [name, files] of Object.entries(corpus)) {
    const read = READERS[name]!;
    it(`${name}: truncated and bit-flipped real files`, { timeout: 20_000 }, async () => {
      for (const file of files) assert.equal(await outcome(read, file), 'track', 'the untouched file reads');
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: files.length - 1 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
          async (which, cut, bits) => {
            const file = files[which]!;
            await outcome(read, file.subarray(0, Math.floor(cut * file.length)));
            await outcome(read, flip(file, bits));
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('mp4: truncated and bit-flipped GoPro files (flips aimed at moov and the gpmd payloads)', {
    timeout: 40_000,
  }, async () => {
    for (const name of ['gopro_max_heromode.mp4', 'gopro_hero5_karma.mp4']) {
      const bytes = readFileSync(sharedFile('video', name));
      const movie = await readMovie(bufferSource(bytes));
      const gpmd = movie.tracks.find((t) => t.sampleEntry === 'gpmd')!;
      // Byte ranges worth flipping: the moov box and every GPMF payload; flips in video data change nothing.
      const moovAt = bytes.lastIndexOf(Buffer.from('moov')) - 4;
      const ranges: [number, number][] = [
        [moovAt, bytes.length],
        ...(await allSamples(gpmd)).map((s): [number, number] => [s.offset, s.offset + s.size]),
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: ranges.length - 1 }),
          fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 6 }),
          fc.nat({ max: 7 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (r, where, bit, cut) => {
            const [from, to] = ranges[r]!;
            const out = Uint8Array.from(bytes);
            for (const w of where) out[from + Math.floor(w * (to - from))]! ^= 1 << bit;
            await outcome(READERS['mp4']!, out);
            await outcome(READERS['mp4']!, bytes.subarray(0, Math.floor(cut * bytes.length)));
          },
        ),
        { numRuns: 25 },
      );
    }
  });

  it('format sniffing never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 12 }), (bytes, name) => {
        const f = sniffFormat(bytes, name);
        assert.ok(f === undefined || typeof f === 'string');
      }),
      { numRuns: 300 },
    );
  });
});
